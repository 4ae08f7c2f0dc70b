import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_TS, renderKernelsBinary } from '../../../scripts/buildWasmKernels';
import { installWasmTrainingKernels, uninstallWasmTrainingKernels } from '../../../src/backends/wasm/install';
import { setWasmSimdKernels, simdKernelsFor, wasmSimdKernelsActive, wasmSimdKernelsEnabled } from '../../../src/backends/wasm/simd/simdKernels';
import { SIMD_KERNELS_WASM, SIMD_KERNELS_WASM_SHARED } from '../../../src/backends/wasm/simd/simdKernelsBinary';
import { testBackend } from '../../helpers/testBackend';

interface WebAssemblyApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: Record<string, (...a: number[]) => void> };
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
const bytes = (base64: string): Uint8Array => Uint8Array.from(Buffer.from(base64, 'base64'));

/** Values with ties, zeros (a ReLU before the pool), −∞, NaN and −0, from a fixed LCG. */
function awkwardValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out[i] = u < 0.03 ? -Infinity : u < 0.05 ? NaN : u < 0.08 ? -0 : Math.max(0, Math.round((u - 0.3) * 6));
  }
  return out;
}

/** The float32 bit patterns (−0 ≠ +0, NaN = NaN). */
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(Float32Array.from(a).buffer));

/** Reference dx of a 2×2 / stride-2 max pool, straight from the tie rule: first strict maximum above −∞, dy added into zeros. */
function maxPoolGradReference(x: Float32Array, dy: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const ho = Math.floor(h / 2);
  const wo = Math.floor(w / 2);
  const dx = new Float32Array(x.length);
  for (let img = 0; img < n; img++) for (let p = 0; p < ho; p++) for (let q = 0; q < wo; q++) for (let k = 0; k < c; k++) {
    let best = -Infinity;
    let at = -1;
    for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
      const i = ((img * h + 2 * p + a) * w + 2 * q + b) * c + k;
      if (x[i] > best) { best = x[i]; at = i; }
    }
    if (at >= 0) dx[at] += dy[((img * ho + p) * wo + q) * c + k];
  }
  return dx;
}

async function onWasm<T>(simd: boolean, run: () => T): Promise<T> {
  await tf.setBackend('wasm');
  setWasmSimdKernels(simd);
  try {
    return run();
  } finally {
    setWasmSimdKernels(true);
  }
}

beforeAll(() => {
  installWasmTrainingKernels();
});

afterAll(async () => {
  uninstallWasmTrainingKernels();
  await tf.setBackend(testBackend());
});

describe('tear-ssl\'s wasm SIMD kernels (simd/kernels.wat)', () => {
  it('the committed binary is kernels.wat compiled (npm run build:wasm-kernels)', async () => {
    expect(readFileSync(BINARY_TS, 'utf8')).toBe(await renderKernelsBinary());
  });

  it('run on a memory of their own, plain and shared: the max-pool gradient of the tie rule, column sums in float64', () => {
    const shape = [2, 5, 6, 8]; // odd height: the last row is in no window
    const x = awkwardValues(2 * 5 * 6 * 8, 3);
    const dy = awkwardValues(2 * 2 * 3 * 8, 4).map((v, i) => (Number.isFinite(v) ? v - (i % 3) : 0.5));
    dy[1] = -0;
    for (const [variant, memory] of [[SIMD_KERNELS_WASM, new WA.Memory({ initial: 1 })],
      [SIMD_KERNELS_WASM_SHARED, new WA.Memory({ initial: 1, maximum: 65536, shared: true })]] as const) {
      const { exports } = new WA.Instance(new WA.Module(bytes(variant)), { env: { memory } });
      const heap = new Float32Array(memory.buffer);
      heap.set(x, 0);
      heap.set(dy, 1000);
      heap.fill(7, 2000, 2000 + x.length); // the kernel must write every covered element
      exports.maxPoolGrad2x2(0, 4000, 8000, 2, 5, 6, 8, 2, 3);
      const got = heap.slice(2000, 2000 + x.length);
      const expected = maxPoolGradReference(x, dy, shape);
      for (let img = 0; img < 2; img++) for (let i = 0; i < 6 * 8; i++) got[(img * 5 + 4) * 6 * 8 + i] = 0; // uncovered row: the caller zeroes it
      expect(bits(got)).toEqual(bits(expected));
      // transpose of [8, 12]: every value moved, none changed
      const matrix = Float32Array.from({ length: 96 }, (_, i) => (i % 7 === 3 ? -0 : i * 1.5 - 40));
      heap.set(matrix, 0);
      exports.transpose(0, 4000, 8, 12);
      const transposed = heap.slice(1000, 1096);
      expect(bits(transposed)).toEqual(bits(Float32Array.from({ length: 96 }, (_, j) => matrix[(j % 8) * 12 + Math.floor(j / 8)])));
      // column sums: 7 rows (one group of four, three left over) of 8 columns, as a mean
      const rows = Float32Array.from({ length: 56 }, (_, i) => Math.fround(Math.sin(i) * 1e3 + 1 / (i + 1)));
      heap.set(rows, 0);
      exports.columnSums(0, 4000, 8000, 7, 8, 1 / 7);
      const sums = heap.slice(1000, 1008);
      for (let r = 0; r < 8; r++) {
        let acc = 0;
        acc += rows[r] + rows[8 + r] + rows[16 + r] + rows[24 + r];
        for (let m = 4; m < 7; m++) acc += rows[m * 8 + r];
        expect(sums[r]).toBe(Math.fround(acc * (1 / 7)));
      }
    }
  });

  it('give the JavaScript loops\' bits inside the training kernels (MaxPoolGrad, Sum and Mean over leading axes)', async () => {
    for (const shape of [[3, 8, 6, 4], [2, 7, 5, 8], [1, 4, 4, 12]]) {
      const x = awkwardValues(shape.reduce((a, d) => a * d, 1), shape[1]);
      const outShape = [shape[0], Math.floor(shape[1] / 2), Math.floor(shape[2] / 2), shape[3]];
      const dy = awkwardValues(outShape.reduce((a, d) => a * d, 1), shape[2]).map((v) => (Number.isNaN(v) ? 1.5 : v));
      const run = () => tf.tidy(() => {
        const input = tf.tensor4d(x, shape as [number, number, number, number]);
        const output = tf.maxPool(input, 2, 2, 'valid');
        const g = tf.tensor4d(dy, outShape as [number, number, number, number]);
        const dx = tf.engine().runKernel('MaxPoolGrad', { dy: g, input, output }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' }) as tf.Tensor;
        const finite = tf.tensor4d(x.map((v) => (Number.isFinite(v) ? v : 0.25)), shape as [number, number, number, number]);
        return [dx, tf.sum(finite, [0, 1, 2]), tf.mean(finite, [0, 1, 2]), tf.sum(finite, [0, 1]), tf.mean(finite, 0)]
          .map((t) => bits(t.dataSync() as Float32Array));
      });
      const simd = await onWasm(true, run);
      const loops = await onWasm(false, run);
      expect(simd).toEqual(loops);
      expect(simd[0]).toEqual(bits(maxPoolGradReference(x, dy, shape)));
    }
  });

  it('LeakyReLU and the ReLU / LeakyReLU gradients: the bits of wasm\'s kernel and tfjs-core\'s gradient ops, any size', async () => {
    for (const n of [4099, 3, 0]) {
      const x = awkwardValues(n, 11).map((v, i) => (i % 5 === 0 ? -v - 0.5 : v)); // negatives, −0, ±∞, NaN
      const dy = awkwardValues(n, 12).map((v, i) => (i % 3 === 0 ? -v : v));
      const run = () => tf.tidy(() => {
        const xt = tf.tensor1d(x);
        const dyt = tf.tensor1d(dy);
        const grad = (f: (t: tf.Tensor) => tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), dyt)))(xt);
        return [tf.leakyRelu(xt, 0.1), grad((t) => tf.leakyRelu(t, 0.1)), grad((t) => tf.relu(t))].map((t) => bits(t.dataSync() as Float32Array));
      });
      const simd = await onWasm(true, run);
      const stockOps = await onWasm(false, run); // the fallback runs wasm's LeakyRelu and tfjs-core's gradient ops
      expect(simd).toEqual(stockOps);
      // The gradients against tfjs-core's own on cpu (no such kernels there). Not the forward: cpu's LeakyRelu
      // multiplies by α in float64 (−4.5 gives 0xbee66666; wasm's float32 product, 0xbee66667). NaN's sign
      // and payload may differ between engines.
      await tf.setBackend('cpu');
      const canonicalNaN = (b: number[]) => b.map((v) => ((v & 0x7f800000) === 0x7f800000 && (v & 0x7fffff) !== 0 ? 0x7fc00000 : v));
      expect(simd.slice(1).map(canonicalNaN)).toEqual(run().slice(1).map(canonicalNaN));
      expect(tf.getKernel('TearLeakyReluGrad', 'wasm')).toBeDefined();
    }
  });

  it('FusedBatchNorm (inference batch norm): the bits of wasm\'s own kernel, ±0, ±∞ and NaN included; other shapes go to it', async () => {
    for (const [shape, vectors] of [[[3, 5, 7, 8], 8], [[2, 3, 4], 4], [[6, 3], 3], [[2, 2, 4], 1]] as Array<[number[], number]>) {
      const size = shape.reduce((a, d) => a * d, 1);
      const x = awkwardValues(size, 21).map((v, i) => (i % 4 === 1 ? -v * 1.7 : v + Math.sin(i)));
      const vec = (seed: number, positive = false) => awkwardValues(vectors, seed).map((v, i) => (positive ? Math.abs(v) + i * 0.37 : v - 0.5 * i));
      const [mean, variance, offset, scale] = [vec(22), vec(23, true), vec(24), vec(25)];
      variance[0] = 0; // √ε alone
      const run = () => tf.tidy(() => bits(tf.batchNorm(tf.tensor(x, shape), tf.tensor1d(mean), tf.tensor1d(variance), tf.tensor1d(offset),
        tf.tensor1d(scale), 1e-3).dataSync() as Float32Array));
      const simd = await onWasm(true, run);
      const wasmKernel = await onWasm(false, run); // the replacement falls back to wasm's own kernel
      expect(simd).toEqual(wasmKernel);
    }
  });

  it('are used only when switched on and the backend has a wasm memory', async () => {
    await tf.setBackend('wasm');
    expect(wasmSimdKernelsEnabled()).toBe(true);
    expect(simdKernelsFor(tf.backend())).not.toBeNull();
    expect(wasmSimdKernelsActive(tf.backend())).toBe(true);
    setWasmSimdKernels(false);
    expect(simdKernelsFor(tf.backend())).toBeNull();
    expect(wasmSimdKernelsActive(tf.backend())).toBe(false);
    setWasmSimdKernels(true);
    expect(simdKernelsFor({})).toBeNull();
  });
});
