import * as tf from '@tensorflow/tfjs';
import { detach } from '../util/numerics';

/** Cosine similarities as IPH uses them (TEAR release): the matching's matrix, and the loss's paired rows. */

/** Added to the product of norms in every IPH cosine: cos(a, b) = a·b / (‖a‖‖b‖ + 1e-4), as in the release. */
export const COSINE_EPSILON = 1e-4;

/**
 * cos(A_i, B_j) = A_i·B_j / (‖A_i‖‖B_j‖ + 1e-4) for every pair of rows. A tensor helper (positional).
 *
 * @param a A [K,d].
 * @param b B [K',d].
 * @returns the similarities [K,K'].
 * @see TEAR spec §4, steps 4 and 5 (the release's cosine with + 1e-4).
 * @example
 * ```ts
 * const s = cosineSimilarityMatrix(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0], [0, 2]]));   // [[0.9999, 0]]
 * ```
 */
export function cosineSimilarityMatrix(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const aNorms = tf.norm(a, 'euclidean', 1).reshape([a.shape[0], 1]);
    const bNorms = tf.norm(b, 'euclidean', 1).reshape([1, b.shape[0]]);
    return tf.matMul(a, b, false, true).div(aNorms.mul(bNorms).add(COSINE_EPSILON)) as tf.Tensor2D;
  });
}

/**
 * ‖x_n‖ for each row with a zero gradient (not NaN) at a zero row: sqrt(where(s > 0, s, 1))·[s > 0], s = Σ x²
 * (the mask [s > 0] is read through a detached view: comparisons have no gradient in tfjs). A tensor helper (positional).
 *
 * @param x [n,d].
 * @returns ‖x_n‖ [n].
 * @see TEAR spec §4, step 5 (the norms of L_IPH, which must stay finite at an all-zero prototype).
 * @example
 * ```ts
 * const norms = safeRowNorms(tf.tensor2d([[3, 4], [0, 0]]));   // [5, 0]
 * ```
 */
export function safeRowNorms(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const squared = tf.sum(tf.square(x), 1);
    const positive = tf.greater(detach(squared), 0);
    return tf.sqrt(tf.where(positive, squared, tf.onesLike(squared))).mul(tf.cast(positive, 'float32')) as tf.Tensor1D;
  });
}

/**
 * cos_n = a_n·b_n / (‖a_n‖‖b_n‖ + 1e-4) for paired rows; differentiable, finite at zero rows. A tensor helper (positional).
 *
 * @param a [n,d].
 * @param b [n,d].
 * @returns cos [n].
 * @see TEAR spec §4, step 5 (1 − cos(P_i, P̃_π(i)), the IPH term).
 * @example
 * ```ts
 * const cos = pairedCosine(tf.tensor2d([[1, 0], [1, 1]]), tf.tensor2d([[2, 0], [-1, -1]]));   // [0.99995, −0.99995]
 * ```
 */
export function pairedCosine(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(a, b), 1).div(safeRowNorms(a).mul(safeRowNorms(b)).add(COSINE_EPSILON)) as tf.Tensor1D);
}
