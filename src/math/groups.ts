import * as tf from '@tensorflow/tfjs';
import { check, shapeString } from '../util/checks';
import { readSync } from '../util/syncRead';

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

/**
 * {@link membership} of ids already on the host, built there: the same float32 [N,k] one-hot matrix
 * with no kernel launched (ids outside [0,k) give a zero row, as there).
 */
export function membershipOnHost(ids: ArrayLike<number>, k: number): tf.Tensor2D {
  const values = new Float32Array(ids.length * k);
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n];
    if (id >= 0 && id < k) values[n * k + id] = 1;
  }
  return tf.tensor2d(values, [ids.length, k]);
}

/** Group sizes |{n : ids_n = i}| of ids on the host, i in [0,k) (ids outside are not counted). */
export function groupCountsOnHost(ids: ArrayLike<number>, k: number): Float32Array {
  const counts = new Float32Array(k);
  for (let n = 0; n < ids.length; n++) if (ids[n] >= 0 && ids[n] < k) counts[ids[n]] += 1;
  return counts;
}

/**
 * Group ids int32 [N] read to the host once and checked to lie in [0, k); the error names `fn`, the
 * argument `name`, its shape and the first bad value with its index.
 */
export function readGroupIds(ids: tf.Tensor1D, k: number, name: string, fn: string): Int32Array {
  const values = Int32Array.from(readSync(ids, name, fn));
  const bad = values.findIndex((v) => v < 0 || v >= k);
  check(bad < 0, fn, () => `argument '${name}' ${shapeString(ids.shape)} has value ${values[bad]} at index ${bad}, outside [0, ${k})`);
  return values;
}
