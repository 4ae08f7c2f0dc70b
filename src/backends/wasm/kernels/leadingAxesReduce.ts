import * as tf from '@tensorflow/tfjs';
import { release, runNative, type WasmBackendLike } from '../nativeKernels';
import { heapOffset, simdKernelsFor } from '../simd/simdKernels';

type ReduceArgs = { inputs: { x: tf.TensorInfo }; attrs: { axis: number | number[]; keepDims?: boolean }; backend: WasmBackendLike };

/** Number of leading axes reduced when `axis` is exactly [0, …, k−1] with 0 < k < rank, else 0. */
function leadingPrefix(axis: number | number[], shape: number[]): number {
  const axes = tf.util.parseAxisParam(axis, shape).slice().sort((a, b) => a - b);
  const unique = axes.every((a, i) => a === i);
  return unique && axes.length > 0 && axes.length < shape.length ? axes.length : 0;
}

/**
 * Column reduction of x viewed as [M, R] (M = product of the k leading axes): out[r] = Σ_m x[m, r]
 * (divided by M for the mean), float64 accumulators fed four rows at a time, read straight from the wasm heap. wasm's own
 * Sum/Mean transpose the whole tensor first for such axes (e.g. batch-norm statistics over [0,1,2]).
 * With R a multiple of 4 the SIMD kernel (simd/kernels.wat) runs the same sums in the same order.
 */
function reduceLeading(args: ReduceArgs, mean: boolean): tf.TensorInfo {
  const { inputs: { x }, attrs, backend: b } = args;
  const k = leadingPrefix(attrs.axis, x.shape);
  if (k === 0 || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) === 0) {
    return runNative(mean ? 'Mean' : 'Sum', b, { x }, attrs as unknown as Record<string, unknown>);
  }
  const kept = x.shape.slice(k);
  const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
  const cols = tf.util.sizeFromShape(kept);
  const outShape = attrs.keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept;
  const out = b.makeOutput(outShape, 'float32');
  const scale = mean ? 1 / rows : 1;
  const simd = simdKernelsFor(b);
  if (simd !== null && cols % 4 === 0) {
    const acc = b.makeOutput([2 * cols], 'float32'); // float64 scratch
    simd.columnSums(heapOffset(b, x.dataId), heapOffset(b, out.dataId), heapOffset(b, acc.dataId), rows, cols, scale);
    release(b, acc);
    return out;
  }
  const dst = b.typedArrayFromHeap(out) as Float32Array;
  const src = b.typedArrayFromHeap(x) as Float32Array;
  const acc = new Float64Array(cols);
  // Four rows per pass over acc: a quarter of the accumulator loads and stores.
  let m = 0;
  for (; m + 4 <= rows; m += 4) {
    const b0 = m * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    for (let r = 0; r < cols; r++) acc[r] += src[b0 + r] + src[b1 + r] + src[b2 + r] + src[b3 + r];
  }
  for (; m < rows; m++) {
    const base = m * cols;
    for (let r = 0; r < cols; r++) acc[r] += src[base + r];
  }
  for (let r = 0; r < cols; r++) dst[r] = acc[r] * scale;
  return out;
}

/** Sum kernel: leading-axes float32 reductions in one pass, everything else to wasm's own Sum. */
export const sumLeadingAxes = (args: ReduceArgs): tf.TensorInfo => reduceLeading(args, false);
/** Mean kernel: leading-axes float32 reductions in one pass, everything else to wasm's own Mean. */
export const meanLeadingAxes = (args: ReduceArgs): tf.TensorInfo => reduceLeading(args, true);
