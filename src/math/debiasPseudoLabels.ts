import * as tf from '@tensorflow/tfjs';
import { check, checkTensor, shapeString } from '../util/checks';

/** Floor of p̄ before its logarithm or power (a class the model never predicts). */
export const MARGINAL_FLOOR = 1e-12;

function checkMarginal(marginal: tf.Tensor, other: tf.Tensor, otherName: string, fn: string): void {
  checkTensor(marginal, 'marginal', fn, { rank: 1, dtype: 'float32' });
  check(marginal.shape[0] === other.shape[1], fn, () =>
    `'marginal' ${shapeString(marginal.shape)} must have one entry per class of '${otherName}' ${shapeString(other.shape)}`);
}

function checkLambda(lambda: number, fn: string): void {
  check(typeof lambda === 'number' && Number.isFinite(lambda) && lambda >= 0, fn, () => `option 'lambda' must be a finite number ≥ 0, got ${String(lambda)}`);
}

/**
 * DebiasPL's adaptive debiasing of pseudo labels (Wang et al., "Debiased Learning from Naturally
 * Imbalanced Pseudo-Labels", CVPR 2022, eq. 4): p̂ = softmax(z − λ·log p̄), computed from the weak-view
 * probabilities q = softmax(z) as p̂_c = q_c·p̄_c^(−λ) / Σ_k q_k·p̄_k^(−λ) (the same distribution).
 * Classes the model over-predicts (large p̄_c) are damped. probs q [U,C], marginal p̄ [C] → [U,C].
 *
 * @param probs q [U,C], rows summing to 1 (no gradient is needed).
 * @param marginal p̄ [C], the momentum estimate of the mean prediction (see marginalPredictionUpdate).
 * @param options.lambda λ ≥ 0 (DebiasPL's τ; 0 leaves q unchanged).
 * @returns p̂ [U,C], rows summing to 1.
 * @see https://openaccess.thecvf.com/content/CVPR2022/html/Wang_Debiased_Learning_From_Naturally_Imbalanced_Pseudo-Labels_CVPR_2022_paper.html
 */
export function debiasProbabilities(probs: tf.Tensor2D, marginal: tf.Tensor1D, options: { lambda: number }): tf.Tensor2D {
  const fn = 'debiasProbabilities';
  checkTensor(probs, 'probs', fn, { rank: 2, dtype: 'float32' });
  checkMarginal(marginal, probs, 'probs', fn);
  checkLambda(options?.lambda, fn);
  return tf.tidy(() => {
    const scale = tf.exp(tf.mul(tf.log(tf.maximum(marginal, MARGINAL_FLOOR)), -options.lambda));
    const scaled = tf.mul(probs, scale);
    return tf.div(scaled, tf.maximum(tf.sum(scaled, 1, true), MARGINAL_FLOOR)) as tf.Tensor2D;
  });
}

/**
 * DebiasPL's adaptive marginal loss logits (Wang et al., CVPR 2022, eq. 6): z' = z + λ·log p̄, so the
 * cross-entropy H(ŷ, softmax(z')) asks a larger margin of the classes the model under-predicts.
 * logits z [U,C] (keeps the gradient), marginal p̄ [C] → [U,C].
 */
export function marginalAdjustedLogits(logits: tf.Tensor2D, marginal: tf.Tensor1D, options: { lambda: number }): tf.Tensor2D {
  const fn = 'marginalAdjustedLogits';
  checkTensor(logits, 'logits', fn, { rank: 2, dtype: 'float32' });
  checkMarginal(marginal, logits, 'logits', fn);
  checkLambda(options?.lambda, fn);
  return tf.tidy(() => tf.add(logits, tf.mul(tf.log(tf.maximum(marginal, MARGINAL_FLOOR)), options.lambda)) as tf.Tensor2D);
}
