import * as tf from '@tensorflow/tfjs';
import { check, checkNumber, checkSameDim, checkTensor, shapeString } from '../util/checks';
import { detach } from '../util/numerics';
import { groupSums, membership } from './groups';
import { readSync } from '../util/syncRead';

const FN = 'clusterPrototypes';

/**
 * Cluster means of the rows of features [N,d] grouped by assignments (int32 [N], values in [0,k)):
 *   counts_i = |{n : a_n = i}|,   P_i = (1 / max(counts_i, 1)) Σ_{n: a_n = i} f_n      → P [k,d], counts [k]
 * An empty cluster gets a zero row and count 0 (no division by zero). Differentiable in features;
 * the assignments are constants. Synchronous: reads the assignments once to check their range.
 */
export function clusterPrototypes(
  features: tf.Tensor2D, assignments: tf.Tensor1D, k: number,
): { prototypes: tf.Tensor2D; counts: tf.Tensor1D } {
  checkTensor(features, 'features', FN, { rank: 2, dtype: 'float32' });
  checkTensor(assignments, 'assignments', FN, { rank: 1, dtype: 'int32' });
  checkSameDim(features, 'features', assignments, 'assignments', FN, 0, 0);
  checkNumber(k, 'k', FN, { min: 1, integer: true });
  const ids = detach(assignments);
  try {
    const values = readSync(ids, 'assignments', FN);
    const bad = values.findIndex((v) => v < 0 || v >= k);
    check(bad < 0, FN, () => `argument 'assignments' ${shapeString(assignments.shape)} has value ${values[bad]} at index ${bad}, outside [0, ${k})`);
    return tf.tidy(() => {
      const counts = tf.sum(membership(ids, k), 0) as tf.Tensor1D;
      const sums = groupSums(features, ids, k);
      const prototypes = sums.div(tf.maximum(counts, 1).reshape([k, 1])) as tf.Tensor2D;
      return { prototypes, counts };
    });
  } finally {
    ids.dispose();
  }
}
