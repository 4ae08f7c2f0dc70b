import * as tf from '@tensorflow/tfjs';

/** One-hot membership of int32 ids [N] in k groups, float32 [N,k] (an id outside [0,k) gives a zero row). */
export function membership(ids: tf.Tensor1D, k: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.equal(ids.reshape([-1, 1]), tf.range(0, k, 1, 'int32').reshape([1, k])), 'float32') as tf.Tensor2D);
}

/**
 * Per-group sums S_i = Σ_{n: ids_n = i} v_n of values [N,m] → [k,m], as membershipᵀ·v (one matMul).
 * Used instead of tf.unsortedSegmentSum, which the wasm backend lacks (gather's gradient uses it too);
 * differentiable in values.
 */
export function groupSums(values: tf.Tensor2D, ids: tf.Tensor1D, k: number): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(membership(ids, k), values, true, false) as tf.Tensor2D);
}
