import * as tf from '@tensorflow/tfjs';
import { check, checkInputs, checkRequiredOptions, checkTensor, shapeString } from '../util/checks';

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

/** Inputs of {@link debiasProbabilities}. */
export interface DebiasInputs {
  /** q [U,C], rows summing to 1 (no gradient is needed). */
  probs: tf.Tensor2D;
  /** p̄ [C], the momentum estimate of the mean prediction (see marginalPredictionUpdate). */
  marginal: tf.Tensor1D;
}

/** Inputs of {@link marginalAdjustedLogits}. */
export interface MarginalAdjustedInputs {
  /** z [U,C], keeps its gradient. */
  logits: tf.Tensor2D;
  /** p̄ [C], the momentum estimate of the mean prediction. */
  marginal: tf.Tensor1D;
}

/** Options of the DebiasPL functions: λ (required). */
export interface DebiasOptions {
  /** λ ≥ 0 (DebiasPL's τ; 0 leaves the input unchanged). Required. */
  lambda: number;
}

/**
 * DebiasPL's adaptive debiasing of pseudo labels: p̂ = softmax(z − λ·log p̄), computed from the weak-view
 * probabilities q = softmax(z) as p̂_c = q_c·p̄_c^(−λ) / Σ_k q_k·p̄_k^(−λ) (the same distribution).
 * Classes the model over-predicts (large p̄_c) are damped.
 *
 * @param inputs `probs` q [U,C], `marginal` p̄ [C].
 * @param options `lambda` λ ≥ 0 (required).
 * @returns p̂ [U,C], rows summing to 1.
 * @see Wang et al., "Debiased Learning from Naturally Imbalanced Pseudo-Labels", CVPR 2022, eq. 4
 *   (https://openaccess.thecvf.com/content/CVPR2022/html/Wang_Debiased_Learning_From_Naturally_Imbalanced_Pseudo-Labels_CVPR_2022_paper.html).
 * @example
 * ```ts
 * const debiased = debiasProbabilities(
 *   { probs: tf.tensor2d([[0.5, 0.5]]), marginal: tf.tensor1d([0.8, 0.2]) },
 *   { lambda: 1 },
 * );   // [[0.2, 0.8]]: the over-predicted class 0 is damped
 * ```
 */
export function debiasProbabilities(inputs: DebiasInputs, options: DebiasOptions): tf.Tensor2D {
  const fn = 'debiasProbabilities';
  const form = 'debiasProbabilities({ probs, marginal }, { lambda })';
  checkInputs(inputs, fn, form);
  const { probs, marginal } = inputs;
  checkTensor(probs, 'probs', fn, { rank: 2, dtype: 'float32' });
  checkMarginal(marginal, probs, 'probs', fn);
  checkRequiredOptions(options, fn, form);
  checkLambda(options.lambda, fn);
  return tf.tidy(() => {
    const scale = tf.exp(tf.mul(tf.log(tf.maximum(marginal, MARGINAL_FLOOR)), -options.lambda));
    const scaled = tf.mul(probs, scale);
    return tf.div(scaled, tf.maximum(tf.sum(scaled, 1, true), MARGINAL_FLOOR)) as tf.Tensor2D;
  });
}

/**
 * DebiasPL's adaptive marginal loss logits: z' = z + λ·log p̄, so the cross-entropy H(ŷ, softmax(z'))
 * asks a larger margin of the classes the model under-predicts.
 *
 * @param inputs `logits` z [U,C] (keeps the gradient), `marginal` p̄ [C].
 * @param options `lambda` λ ≥ 0 (required).
 * @returns z' [U,C].
 * @see Wang et al., "Debiased Learning from Naturally Imbalanced Pseudo-Labels", CVPR 2022, eq. 6.
 * @example
 * ```ts
 * const adjusted = marginalAdjustedLogits(
 *   { logits: tf.tensor2d([[0, 0]]), marginal: tf.tensor1d([0.5, 0.5]) },
 *   { lambda: 1 },
 * );   // [[log 0.5, log 0.5]] = [[−0.693, −0.693]]
 * ```
 */
export function marginalAdjustedLogits(inputs: MarginalAdjustedInputs, options: DebiasOptions): tf.Tensor2D {
  const fn = 'marginalAdjustedLogits';
  const form = 'marginalAdjustedLogits({ logits, marginal }, { lambda })';
  checkInputs(inputs, fn, form);
  const { logits, marginal } = inputs;
  checkTensor(logits, 'logits', fn, { rank: 2, dtype: 'float32' });
  checkMarginal(marginal, logits, 'logits', fn);
  checkRequiredOptions(options, fn, form);
  checkLambda(options.lambda, fn);
  return tf.tidy(() => tf.add(logits, tf.mul(tf.log(tf.maximum(marginal, MARGINAL_FLOOR)), options.lambda)) as tf.Tensor2D);
}
