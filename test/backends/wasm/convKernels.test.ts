import * as tf from '@tensorflow/tfjs';
import { setWasmSimdKernels } from '../../../src/backends/wasm/simd/simdKernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installWasmTrainingKernels } from '../../../src/wasm';
import {
  conv2DBackpropFilterUsesMatMul, conv2DBackpropFilterViaConv, MAX_PATCH_FLOATS,
} from '../../../src/backends/wasm/kernels/conv2DBackpropFilter';
import { conv2DBackpropFilterViaMatMul, conv2DBackpropFilterViaMatMulSwapped, swappedMatMulPays } from '../../../src/backends/wasm/kernels/conv2DBackpropFilterMatMul';
import { expectClose, expectNoLeak } from '../../helpers/tensors';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/** Deterministic pseudo-random floats in [−1, 1) (LCG), so wasm and cpu see the same numbers. */
function randomValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs one kernel on `backend` with fresh tensors and returns its values and shape. */
async function runKernel(backend: string, name: string, inputs: Record<string, { values: Float32Array; shape: number[] }>,
  attrs: Record<string, unknown>): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  return expectNoLeak(() => {
    const dataIdsBefore = tf.backend().numDataIds();
    const tensors: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) tensors[k] = tf.tensor(v.values, v.shape, 'float32');
    const out = tf.engine().runKernel(name, tensors as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
    const result = { values: out.dataSync() as Float32Array, shape: out.shape };
    out.dispose();
    for (const t of Object.values(tensors)) t.dispose();
    expect(tf.backend().numDataIds(), 'data ids grew').toBe(dataIdsBefore);
    return result;
  });
}

async function expectAgreement(name: string, inputs: Record<string, { values: Float32Array; shape: number[] }>,
  attrs: Record<string, unknown>, atol = 5e-5): Promise<void> {
  const wasm = await runKernel('wasm', name, inputs, attrs);
  const cpu = await runKernel('cpu', name, inputs, attrs);
  expect(wasm.shape).toEqual(cpu.shape);
  expectClose(wasm.values, cpu.values, atol, 1e-4);
}

const PADS: Pad[] = ['same', 'valid', 1, [[0, 0], [2, 1], [0, 3], [0, 0]], [[0, 0], [4, 0], [0, 4], [0, 0]]];

beforeAll(async () => {
  installWasmTrainingKernels({ batchNormGradient: false });
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('Conv2DBackpropFilter / Conv2DBackpropInput on wasm agree with cpu', () => {
  const xShape: Shape4 = [2, 7, 9, 3];
  const co = 4;
  let seed = 1;
  for (const k of [1, 3, 5]) {
    for (const stride of [1, 2]) {
      for (const pad of PADS) {
        it(`k=${k} stride=${stride} pad=${JSON.stringify(pad)}`, async () => {
          const filterShape: Shape4 = [k, k, xShape[3], co];
          const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, 1, pad as never);
          const dyShape = info.outShape;
          const x = { values: randomValues(tf.util.sizeFromShape(xShape), seed++), shape: xShape };
          const dy = { values: randomValues(tf.util.sizeFromShape(dyShape), seed++), shape: dyShape };
          const filter = { values: randomValues(tf.util.sizeFromShape(filterShape), seed++), shape: filterShape };
          const common = { strides: [stride, stride], pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
          await expectAgreement('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape });
          await expectAgreement('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: xShape });
        });
      }
    }
  }
  it('numeric pad with ceil rounding (window reaching past the padded input)', async () => {
    const xs: Shape4 = [1, 6, 6, 2];
    const filterShape: Shape4 = [3, 3, 2, 3];
    const attrs = { strides: [2, 2], pad: 0, dataFormat: 'NHWC', dimRoundingMode: 'ceil' };
    const info = tf.backend_util.computeConv2DInfo(xs, filterShape, 2, 1, 0, 'ceil');
    const x = { values: randomValues(72, 91), shape: xs };
    const dy = { values: randomValues(tf.util.sizeFromShape(info.outShape), 92), shape: info.outShape };
    const filter = { values: randomValues(54, 93), shape: filterShape };
    await expectAgreement('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape });
    await expectAgreement('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xs });
  });
});

describe('Conv2DBackpropFilter: both formulations agree with cpu, and the chooser picks by shape', () => {
  /** Runs one formulation directly on the wasm backend (the registered kernel only ever takes one of them per shape). */
  async function runFormulation(which: 'conv' | 'matMul' | 'matMulSwapped', x: { values: Float32Array; shape: Shape4 },
    dy: { values: Float32Array; shape: number[] }, attrs: { strides: [number, number]; pad: Pad; filterShape: Shape4 }) {
    await tf.setBackend('wasm');
    return expectNoLeak(() => {
      const ids = tf.backend().numDataIds();
      const xt = tf.tensor(x.values, x.shape);
      const dyt = tf.tensor(dy.values, dy.shape);
      const backend = tf.backend() as never;
      const info = tf.backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad as never);
      const out = which === 'conv'
        ? conv2DBackpropFilterViaConv({ inputs: { x: xt, dy: dyt }, attrs: { ...attrs, dataFormat: 'NHWC' }, backend })
        : which === 'matMul' ? conv2DBackpropFilterViaMatMul(backend, xt, dyt, info) : conv2DBackpropFilterViaMatMulSwapped(backend, xt, dyt, info);
      const t = tf.engine().makeTensorFromTensorInfo(out);
      const result = { values: t.dataSync() as Float32Array, shape: t.shape };
      tf.dispose([t, xt, dyt]);
      expect(tf.backend().numDataIds(), 'data ids grew').toBe(ids);
      return result;
    });
  }

  // The swapped product (dyᵀ · patches, for layers with more output channels than patch values) needs P and
  // Co multiples of 4 (the SIMD transpose): 2 images of 6×5 or 3×3 positions, Co = 8.
  for (const [k, stride, pad, ci] of [[3, 1, 'same', 1], [3, 2, 'same', 1], [3, 1, [[0, 0], [2, 1], [0, 3], [0, 0]], 2], [1, 1, 'valid', 3], [1, 2, 'same', 2], [2, 1, 'valid', 1]] as Array<[number, number, Pad, number]>) {
    it(`k=${k} stride=${stride} pad=${JSON.stringify(pad)} Ci=${ci} Co=8: the swapped matMul, against cpu and the matMul's bits`, async () => {
      const shape: Shape4 = [4, 6, 5, ci];
      const filterShape: Shape4 = [k, k, ci, 8];
      const info = tf.backend_util.computeConv2DInfo(shape, filterShape, stride, 1, pad as never);
      const positions = info.batchSize * info.outHeight * info.outWidth;
      if (positions % 4 !== 0) throw new Error(`test shape: ${positions} positions`);
      const x = { values: randomValues(tf.util.sizeFromShape(shape), 900 + k * 10 + stride), shape };
      const dy = { values: randomValues(tf.util.sizeFromShape(info.outShape), 950 + k), shape: info.outShape };
      const attrs = { strides: [stride, stride] as [number, number], pad, filterShape };
      const cpu = await runKernel('cpu', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, dataFormat: 'NHWC', dimRoundingMode: undefined });
      const swapped = await runFormulation('matMulSwapped', x, dy, attrs);
      expect(swapped.shape).toEqual(filterShape);
      expectClose(swapped.values, cpu.values, 5e-5, 1e-4);
      expect(Array.from(swapped.values)).toEqual(Array.from((await runFormulation('matMul', x, dy, attrs)).values));
    });
  }

  const xShape: Shape4 = [3, 6, 5, 4];
  let seed = 300;
  for (const k of [1, 3]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid', [[0, 0], [2, 1], [0, 3], [0, 0]]] as Pad[]) {
        it(`k=${k} stride=${stride} pad=${JSON.stringify(pad)}: conv and matMul formulations`, async () => {
          const filterShape: Shape4 = [k, k, xShape[3], 5];
          const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, 1, pad as never);
          const x = { values: randomValues(tf.util.sizeFromShape(xShape), seed++), shape: xShape };
          const dy = { values: randomValues(tf.util.sizeFromShape(info.outShape), seed++), shape: info.outShape };
          const attrs = { strides: [stride, stride] as [number, number], pad, filterShape };
          const cpu = await runKernel('cpu', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, dataFormat: 'NHWC', dimRoundingMode: undefined });
          for (const which of ['conv', 'matMul'] as const) {
            const wasm = await runFormulation(which, x, dy, attrs);
            expect(wasm.shape).toEqual(filterShape);
            expectClose(wasm.values, cpu.values, 5e-5, 1e-4);
          }
        });
      }
    }
  }

  it('takes matMul for 1×1 kernels and small patch matrices, the forward conv for 3×3 over 64×32×32×32', () => {
    const info = (xs: Shape4, k: number, co: number, stride: number) =>
      tf.backend_util.computeConv2DInfo(xs, [k, k, xs[3], co], stride, 1, 'same');
    expect(conv2DBackpropFilterUsesMatMul(info([64, 32, 32, 32], 1, 64, 2))).toBe(true);
    expect(conv2DBackpropFilterUsesMatMul(info([64, 64, 64, 64], 1, 64, 1))).toBe(true);
    expect(conv2DBackpropFilterUsesMatMul(info([64, 28, 28, 1], 3, 32, 1))).toBe(true);
    expect(conv2DBackpropFilterUsesMatMul(info([64, 16, 16, 64], 3, 64, 1))).toBe(true);
    expect(conv2DBackpropFilterUsesMatMul(info([64, 32, 32, 32], 3, 32, 1))).toBe(false);
    // The boundary: 9·Ci·P patch floats against MAX_PATCH_FLOATS.
    expect(9 * 32 * 64 * 32 * 32).toBeGreaterThan(MAX_PATCH_FLOATS);
    expect(9 * 64 * 64 * 16 * 16).toBeLessThanOrEqual(MAX_PATCH_FLOATS);
  });

  it('swaps the matMul\'s operands where dy [P, Co] is larger than the patches (Co > kh·kw·Ci) and the SIMD transpose runs', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as never;
    const info = (xs: Shape4, k: number, co: number, stride: number) =>
      tf.backend_util.computeConv2DInfo(xs, [k, k, xs[3], co], stride, 1, 'same');
    expect(swappedMatMulPays(backend, info([224, 28, 28, 1], 3, 32, 1))).toBe(true); // 9 patch values, 32 channels
    expect(swappedMatMulPays(backend, info([112, 32, 32, 16], 1, 32, 1))).toBe(true);
    expect(swappedMatMulPays(backend, info([112, 32, 32, 3], 3, 16, 1))).toBe(false); // 27 > 16
    expect(swappedMatMulPays(backend, info([224, 7, 7, 64], 3, 128, 1))).toBe(false); // 576 > 128
    expect(swappedMatMulPays(backend, info([3, 5, 5, 1], 3, 32, 1))).toBe(false); // 75 positions: no SIMD transpose
    setWasmSimdKernels(false);
    expect(swappedMatMulPays(backend, info([224, 28, 28, 1], 3, 32, 1))).toBe(false);
    setWasmSimdKernels(true);
  });
});

/**
 * Float64 reference for depthwise backprops with dilation, straight from the forward definition
 * y[n,p,q,c·M+m] = Σ_{a,b} xpad[n, p·s+a·d, q·s+b·d, c]·w[a,b,c,m]. (tfjs's cpu backprop kernels ignore
 * dilation, so they cannot serve as the reference there.)
 */
function depthwiseReference(x: Float32Array, xShape: Shape4, w: Float32Array, wShape: Shape4, dy: Float32Array,
  info: tf.backend_util.Conv2DInfo): { dw: Float64Array; dx: Float64Array } {
  const [n, h, wd, c] = xShape;
  const [kh, kw, , m] = wShape;
  const dw = new Float64Array(w.length);
  const dx = new Float64Array(x.length);
  for (let img = 0; img < n; img++) for (let p = 0; p < info.outHeight; p++) for (let q = 0; q < info.outWidth; q++) {
    for (let ch = 0; ch < c; ch++) for (let mm = 0; mm < m; mm++) {
      const g = dy[((img * info.outHeight + p) * info.outWidth + q) * c * m + ch * m + mm];
      for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
        const r = p * info.strideHeight + a * info.dilationHeight - info.padInfo.top;
        const col = q * info.strideWidth + b * info.dilationWidth - info.padInfo.left;
        if (r < 0 || r >= h || col < 0 || col >= wd) continue;
        const xi = ((img * h + r) * wd + col) * c + ch;
        const wi = ((a * kw + b) * c + ch) * m + mm;
        dw[wi] += x[xi] * g;
        dx[xi] += w[wi] * g;
      }
    }
  }
  return { dw, dx };
}

describe('DepthwiseConv2dNativeBackpropFilter / Input on wasm', () => {
  const xShape: Shape4 = [2, 8, 7, 3];
  let seed = 500;
  for (const k of [1, 3, 5]) {
    for (const [stride, dilation] of [[1, 1], [2, 1], [1, 2]]) {
      for (const pad of PADS) {
        for (const multiplier of [1, 2]) {
          if (dilation > 1 && typeof pad !== 'string') continue;
          const effective = (k - 1) * dilation + 1;
          if (pad === 'valid' && effective > Math.min(xShape[1], xShape[2])) continue;
          it(`k=${k} stride=${stride} dilation=${dilation} pad=${JSON.stringify(pad)} M=${multiplier}`, async () => {
            const filterShape: Shape4 = [k, k, xShape[3], multiplier];
            const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, dilation, pad as never, undefined, true);
            const x = { values: randomValues(tf.util.sizeFromShape(xShape), seed++), shape: xShape };
            const dy = { values: randomValues(tf.util.sizeFromShape(info.outShape), seed++), shape: info.outShape };
            const filter = { values: randomValues(tf.util.sizeFromShape(filterShape), seed++), shape: filterShape };
            const common = { strides: [stride, stride], dilations: [dilation, dilation], pad, dimRoundingMode: undefined };
            const dw = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape });
            const dx = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...common, inputShape: xShape });
            const ref = depthwiseReference(x.values, xShape, filter.values, filterShape, dy.values, info);
            expect(dw.shape).toEqual(filterShape);
            expect(dx.shape).toEqual(xShape);
            expectClose(dw.values, ref.dw, 5e-5, 1e-4);
            expectClose(dx.values, ref.dx, 5e-5, 1e-4);
            if (dilation === 1) {
              await expectAgreement('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape });
              await expectAgreement('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...common, inputShape: xShape });
            }
          });
        }
      }
    }
  }
});

describe('MaxPoolGrad and leading-axis Sum/Mean on wasm agree with cpu', () => {
  for (const [xShape, size, stride, pad] of [
    ...[2, 3].flatMap((size) => [1, 2].flatMap((stride) => (['same', 'valid'] as const).map((pad) => [[2, 7, 6, 3], size, stride, pad] as const))),
    // 2×2 / stride 2 unpadded takes the tiled scatter: even sides (every element in a window), odd width
    [[2, 8, 6, 3], 2, 2, 'valid'], [[3, 6, 5, 2], 2, 2, 'valid'],
  ] as Array<readonly [Shape4, number, number, 'same' | 'valid']>) {
    {
      {
        it(`MaxPoolGrad ${xShape.join('×')} size=${size} stride=${stride} pad=${pad} (ties, -Infinity and NaN included)`, async () => {
          // Small integers give many ties; negatives clipped to 0 mimic a ReLU before the pool.
          const x = randomValues(tf.util.sizeFromShape(xShape), 700 + size * 10 + stride).map((v) => Math.max(0, Math.round(v * 3)));
          x[5] = -Infinity;
          x[4 * xShape[3]] = NaN;
          for (let k = 0; k < xShape[3]; k++) { x[xShape[2] * xShape[3] + k] = -Infinity; x[(xShape[2] + 1) * xShape[3] + k] = -Infinity; }
          const info = tf.backend_util.computePool2DInfo(xShape, size, stride, 1, pad);
          const dy = { values: randomValues(tf.util.sizeFromShape(info.outShape), 800 + size), shape: info.outShape };
          const attrs = { filterSize: [size, size], strides: [stride, stride], pad, dimRoundingMode: undefined };
          const cpuOut = await runKernel('cpu', 'MaxPool', { x: { values: x, shape: xShape } }, attrs);
          const input = { values: x, shape: xShape };
          const output = { values: cpuOut.values, shape: cpuOut.shape };
          await expectAgreement('MaxPoolGrad', { dy, input, output }, attrs, 1e-6);
        });
      }
    }
  }

  const shape = [3, 4, 5, 6];
  const cases: Array<[number | number[], boolean]> = [
    [[0, 1, 2], false], [[0, 1, 2], true], [0, false], [[1, 0], true], [[1, 2], false], [-1, false], [[0, 1, 2, 3], false], [[0, 2], false],
  ];
  for (const [axis, keepDims] of cases) {
    for (const kernel of ['Sum', 'Mean']) {
      it(`${kernel} axis=${JSON.stringify(axis)} keepDims=${keepDims}`, async () => {
        const x = { values: randomValues(tf.util.sizeFromShape(shape), 900), shape };
        await expectAgreement(kernel, { x }, { axis, keepDims }, 1e-5);
      });
    }
  }
  for (const kernel of ['Sum', 'Mean']) {
    it(`${kernel} over leading axes with a row count that is not a multiple of 4 (7·3 rows)`, async () => {
      const odd = [7, 3, 5];
      const x = { values: randomValues(tf.util.sizeFromShape(odd), 901), shape: odd };
      await expectAgreement(kernel, { x }, { axis: [0, 1], keepDims: false }, 1e-5);
    });
  }
  it('int32 Sum over leading axes still goes to wasm and gives exact integers', async () => {
    await tf.setBackend('wasm');
    await expectNoLeak(() => {
      const x = tf.tensor([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32');
      const s = tf.sum(x, 0);
      expect(s.dtype).toBe('int32');
      expect(Array.from(s.dataSync())).toEqual([9, 12]);
      tf.dispose([x, s]);
    });
  });
});

describe('UnsortedSegmentSum on wasm agrees with cpu', () => {
  for (const dtype of ['float32', 'int32'] as const) {
    it(`${dtype}: rows summed per id, out-of-range ids dropped, empty segments zero`, async () => {
      const x = Array.from(randomValues(6 * 3, 77), (v) => (dtype === 'int32' ? Math.round(v * 10) : v));
      const ids = [2, 0, 2, -1, 5, 0];
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        return expectNoLeak(() => tf.tidy(() => {
          const out = tf.unsortedSegmentSum(tf.tensor2d(x, [6, 3], dtype), tf.tensor1d(ids, 'int32'), 4);
          return { values: Array.from(out.dataSync()), dtype: out.dtype, shape: out.shape };
        }));
      };
      const wasm = await run('wasm');
      const cpu = await run('cpu');
      expect(wasm.shape).toEqual([4, 3]);
      expect(wasm.dtype).toBe(dtype);
      expectClose(wasm.values, cpu.values, 1e-6, 1e-6);
      expectClose(wasm.values.slice(3, 6), [0, 0, 0]);
      expectClose(wasm.values.slice(0, 3), [0, 1, 2].map((j) => x[3 + j] + x[15 + j]), 1e-6, 1e-6);
    });
  }
});
