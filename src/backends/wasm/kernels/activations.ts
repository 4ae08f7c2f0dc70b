import * as tf from '@tensorflow/tfjs';
import { release, runNative, type WasmBackendLike } from '../nativeKernels';
import { heapOffset, simdKernelsFor } from '../simd/simdKernels';

/**
 * LeakyReLU and the ReLU / LeakyReLU gradients for the wasm backend as one SIMD pass each
 * (simd/kernels.wat), the same bits as what they replace: wasm's LeakyRelu kernel, and tfjs-core's
 * gradients, dy·step(x) and where(x > 0, dy, dy·α) (two and three full-size passes with wasm's kernels).
 * Without the SIMD kernels each runs those same wasm kernels. The gradients are reached through
 * activationGradients.ts (ACTIVATION_GRADIENT_KERNELS).
 */

const size = (t: tf.TensorInfo): number => tf.util.sizeFromShape(t.shape);

function scalar(b: WasmBackendLike, value: number): tf.TensorInfo {
  const t = b.makeOutput([], 'float32');
  (b.typedArrayFromHeap(t) as Float32Array)[0] = value;
  return t;
}

/** LeakyRelu (replaces wasm's): y = α·x where x < 0, else x. */
export function leakyReluKernel(args: { inputs: { x: tf.TensorInfo }; attrs: { alpha: number }; backend: WasmBackendLike }): tf.TensorInfo {
  const { inputs: { x }, attrs: { alpha }, backend: b } = args;
  const simd = simdKernelsFor(b);
  if (simd === null || x.dtype !== 'float32') return runNative('LeakyRelu', b, { x }, { alpha });
  const y = b.makeOutput(x.shape.slice(), 'float32');
  if (size(x) > 0) simd.leakyRelu(heapOffset(b, x.dataId), heapOffset(b, y.dataId), size(x), alpha);
  return y;
}

/** TearLeakyReluGrad: dx = where(x > 0, dy, dy·α). */
export function leakyReluGradKernel(args: { inputs: { dy: tf.TensorInfo; x: tf.TensorInfo }; attrs: { alpha: number }; backend: WasmBackendLike }): tf.TensorInfo {
  const { inputs: { dy, x }, attrs: { alpha }, backend: b } = args;
  const simd = simdKernelsFor(b);
  if (simd === null) {
    const zero = scalar(b, 0);
    const a = scalar(b, alpha);
    const mask = runNative('Greater', b, { a: x, b: zero });
    const scaled = runNative('Multiply', b, { a: dy, b: a });
    const dx = runNative('Select', b, { condition: mask, t: dy, e: scaled });
    release(b, zero, a, mask, scaled);
    return dx;
  }
  const dx = b.makeOutput(x.shape.slice(), 'float32');
  if (size(x) > 0) simd.leakyReluGrad(heapOffset(b, dy.dataId), heapOffset(b, x.dataId), heapOffset(b, dx.dataId), size(x), alpha);
  return dx;
}

/** TearReluGrad: dx = dy·step(x) (step: 1 where x > 0, NaN where x is NaN, else 0). */
export function reluGradKernel(args: { inputs: { dy: tf.TensorInfo; x: tf.TensorInfo }; backend: WasmBackendLike }): tf.TensorInfo {
  const { inputs: { dy, x }, backend: b } = args;
  const simd = simdKernelsFor(b);
  if (simd === null) {
    const step = runNative('Step', b, { x }, { alpha: 0 });
    const dx = runNative('Multiply', b, { a: dy, b: step });
    release(b, step);
    return dx;
  }
  const dx = b.makeOutput(x.shape.slice(), 'float32');
  if (size(x) > 0) simd.reluGrad(heapOffset(b, dy.dataId), heapOffset(b, x.dataId), heapOffset(b, dx.dataId), size(x));
  return dx;
}
