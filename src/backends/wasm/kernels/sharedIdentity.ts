import type * as tf from '@tensorflow/tfjs';
import { runNative, type WasmBackendLike } from '../nativeKernels';

/**
 * Identity that shares x's buffer (one more reference) instead of copying it, as the cpu backend's
 * Identity and wasm's own Reshape do; tensors are immutable, so sharing is safe. tfjs clones every
 * tensor a gradient will need while a tape records (engine.saveTensorsForBackwardMode), and wasm's
 * Identity copies each one: a full-size copy of most activations per training step. Strings go to
 * wasm's kernel.
 */
export function sharedIdentity(args: { inputs: { x: tf.TensorInfo }; backend: WasmBackendLike }): tf.TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === 'string') return runNative('Identity', backend, { x });
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
