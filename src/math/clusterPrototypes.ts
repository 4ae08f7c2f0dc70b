import * as tf from '@tensorflow/tfjs';
import { checkInputs, checkNumber, checkRequiredOptions, checkSameDim, checkTensor } from '../util/checks';
import { groupCountsOnHost, membershipOnHost, readGroupIds } from './groups';

const FN = 'clusterPrototypes';

/** Inputs of {@link clusterPrototypes}. */
export interface ClusterPrototypesInputs {
  /** f [N,d] float32; the prototypes are differentiable in it. */
  features: tf.Tensor2D;
  /** a int32 [N], values in [0, k); constants. */
  assignments: tf.Tensor1D;
}

/** Options of {@link clusterPrototypes}. */
export interface ClusterPrototypesOptions {
  /** k ≥ 1, the number of groups. Required. */
  k: number;
}

/**
 * Cluster means of the rows of features grouped by assignments:
 *   counts_i = |{n : a_n = i}|,   P_i = (1 / max(counts_i, 1)) Σ_{n: a_n = i} f_n.
 * An empty cluster gets a zero row and count 0 (no division by zero). Differentiable in features;
 * the assignments are constants. Synchronous: reads the assignments once to check their range.
 *
 * @param inputs `features` f [N,d], `assignments` a int32 [N].
 * @param options `k` (required).
 * @returns `prototypes` P [k,d] and `counts` [k].
 * @see TEAR spec §4, step 3 (P_i = mean{f_j : a_j = i}).
 * @example
 * ```ts
 * const { prototypes, counts } = clusterPrototypes(
 *   { features: tf.tensor2d([[0, 2], [2, 0], [5, 5]]), assignments: tf.tensor1d([0, 0, 1], 'int32') },
 *   { k: 3 },
 * );   // prototypes [[1, 1], [5, 5], [0, 0]], counts [2, 1, 0]
 * ```
 */
export function clusterPrototypes(inputs: ClusterPrototypesInputs, options: ClusterPrototypesOptions): { prototypes: tf.Tensor2D; counts: tf.Tensor1D } {
  const form = 'clusterPrototypes({ features, assignments }, { k })';
  checkInputs(inputs, FN, form);
  checkRequiredOptions(options, FN, form);
  const { features, assignments } = inputs;
  const { k } = options;
  checkTensor(features, 'features', FN, { rank: 2, dtype: 'float32' });
  checkTensor(assignments, 'assignments', FN, { rank: 1, dtype: 'int32' });
  checkSameDim(features, 'features', assignments, 'assignments', FN, 0, 0);
  checkNumber(k, 'k', FN, { min: 1, integer: true });
  const ids = readGroupIds(assignments, k, 'assignments', FN);
  const { prototypes, counts } = clusterPrototypesOnHost(features, ids, k);
  return { prototypes, counts: tf.tensor1d(counts) };
}

/**
 * {@link clusterPrototypes} for assignments already on the host and already known to lie in [0,k)
 * (iphLoss's own: from k-means, or read once and checked): the same float ops on the features
 * (membershipᵀ·f, then ÷ max(count, 1)), so the same bits, with the membership matrix and the counts
 * built on the host instead of by kernels and without reading the assignments back. Returns the counts
 * on the host too.
 */
export function clusterPrototypesOnHost(features: tf.Tensor2D, assignments: ArrayLike<number>, k: number): { prototypes: tf.Tensor2D; counts: Float32Array } {
  const counts = groupCountsOnHost(assignments, k);
  const prototypes = tf.tidy(() => {
    const sums = tf.matMul(membershipOnHost(assignments, k), features, true, false);
    return sums.div(tf.maximum(tf.tensor1d(counts), 1).reshape([k, 1])) as tf.Tensor2D;
  });
  return { prototypes, counts };
}
