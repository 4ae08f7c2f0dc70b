import * as tf from '@tensorflow/tfjs';
import { release, runNative, type WasmBackendLike } from '../nativeKernels';
import { heapOffset, simdKernelsFor } from '../simd/simdKernels';

/**
 * FusedBatchNorm (inference batch norm; replaces wasm's) as one SIMD pass with the bits of wasm's own
 * kernel: that kernel computes, per element, y = f32(offset + f64((x − mean)·scale) / √(variance + ε)),
 * the difference and product in float32, the square root in float32 widened to float64, the division
 * and the addition in float64 (tfjs-backend-wasm src/cc/kernels/FusedBatchNorm.cc as compiled), one
 * element at a time with a division each. The SIMD kernel (simd/kernels.wat) does the same operations
 * four lanes at a time. Taken when x is float32 with its channels last, a multiple of 4 of them, and
 * mean, variance, scale and offset are all given as one value per channel; otherwise wasm's kernel runs.
 */
export function fusedBatchNormKernel(args: {
  inputs: { x: tf.TensorInfo; mean: tf.TensorInfo; variance: tf.TensorInfo; offset?: tf.TensorInfo | null; scale?: tf.TensorInfo | null };
  attrs: { varianceEpsilon: number };
  backend: WasmBackendLike;
}): tf.TensorInfo {
  const { inputs, attrs, backend: b } = args;
  const { x, mean, variance, offset, scale } = inputs;
  const channels = x.shape[x.shape.length - 1];
  const perChannel = (t: tf.TensorInfo | null | undefined): t is tf.TensorInfo =>
    t != null && t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === channels;
  const size = tf.util.sizeFromShape(x.shape);
  const simd = simdKernelsFor(b);
  if (simd === null || x.dtype !== 'float32' || x.shape.length === 0 || size === 0 || channels % 4 !== 0
    || !perChannel(mean) || !perChannel(variance) || !perChannel(offset) || !perChannel(scale)) {
    return runNative('FusedBatchNorm', b, inputs as unknown as Record<string, tf.TensorInfo>, attrs);
  }
  const y = b.makeOutput(x.shape.slice(), 'float32');
  const nf = b.makeOutput([2 * channels], 'float32'); // float64 scratch
  const at = (t: tf.TensorInfo) => heapOffset(b, t.dataId);
  simd.batchNormInference(at(x), at(mean), at(variance), at(offset), at(scale), attrs.varianceEpsilon, at(y), size / channels, channels, at(nf));
  release(b, nf);
  return y;
}
