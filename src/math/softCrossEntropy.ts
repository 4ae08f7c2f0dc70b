import * as tf from '@tensorflow/tfjs';
import { check, checkInputs, checkOneOf, checkSameDim, checkTensor } from '../util/checks';

/** The reductions of a per-sample loss [B]: kept as it is, averaged over B, or summed. */
export const REDUCTIONS = ['none', 'mean', 'sum'] as const;
/** How a per-sample loss [B] is reduced: kept as it is ('none'), averaged over B ('mean'), or summed ('sum'). */
export type Reduction = (typeof REDUCTIONS)[number];

/** Inputs of softCrossEntropy: targets, logits and optional per-row weights. */
export interface SoftCrossEntropyInputs {
  /** Target distributions t [U,C] (rows need not sum to 1). */
  targets: tf.Tensor2D;
  /** Logits z [U,C]. */
  logits: tf.Tensor2D;
  /** Per-row weights w_b [U] (for example a 0/1 mask); default all ones. */
  weights?: tf.Tensor1D;
}

/** Options of softCrossEntropy: the reduction. */
export interface SoftCrossEntropyOptions {
  /** 'none' → [U]; 'sum' → Σ_b; 'mean' (default) → (1/U) Σ_b, and 0 when U = 0. */
  reduction?: Reduction;
}

/**
 * Soft-target cross-entropy ℓ_b = w_b · H(t_b, softmax(z_b)) = −w_b Σ_c t_b,c log softmax(z_b)_c,
 * computed with log-softmax (stable for any finite logits).
 * 'mean' divides by U (weighted-out rows still count), so an all-zero mask gives 0 with zero gradient.
 * Non-finite logits give a NaN loss (see docs/method.md, NaN/Inf policy).
 *
 * @param inputs `targets` t [U,C] (rows need not sum to 1), `logits` z [U,C], optional `weights` w [U].
 * @param options `reduction`: 'none' → ℓ [U]; 'sum' → Σ_b ℓ_b; 'mean' (default) → (1/U) Σ_b ℓ_b (0 when U = 0).
 * @returns ℓ [U] with reduction 'none', else a scalar.
 * @see TEAR spec §3 (H(Q_b, softmax(z_b)), the AdaPL consistency term); Sohn et al., "FixMatch", NeurIPS 2020, eq. 4.
 * @example
 * ```ts
 * const perSample = softCrossEntropy(
 *   { targets: tf.tensor2d([[1, 0], [0.5, 0.5]]), logits: tf.tensor2d([[0, 0], [0, 0]]) },
 *   { reduction: 'none' },
 * );   // [log 2, log 2] = [0.693, 0.693]
 * ```
 */
export function softCrossEntropy(inputs: SoftCrossEntropyInputs, options: SoftCrossEntropyOptions = {}): tf.Tensor {
  const fn = 'softCrossEntropy';
  checkInputs(inputs, fn, 'softCrossEntropy({ targets, logits, weights }, { reduction })');
  const { targets, logits, weights } = inputs;
  checkTensor(targets, 'targets', fn, { rank: 2, dtype: 'float32' });
  checkTensor(logits, 'logits', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(targets, 'targets', logits, 'logits', fn);
  const reduction = options.reduction ?? 'mean';
  checkOneOf(reduction, REDUCTIONS, 'reduction', fn);
  if (weights !== undefined) {
    checkTensor(weights, 'weights', fn, { rank: 1, dtype: 'float32' });
    checkSameDim(weights, 'weights', logits, 'logits', fn, 0, 0);
  }
  check(logits.shape[1] > 0, fn, () => `'logits' [${logits.shape.join(',')}] must have at least one class`);
  return tf.tidy(() => {
    const perRow = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits, -1)), 1));
    const weighted = weights === undefined ? perRow : tf.mul(perRow, weights);
    if (reduction === 'none') return weighted;
    const total = tf.sum(weighted);
    return reduction === 'sum' ? total : tf.div(total, Math.max(logits.shape[0], 1));
  });
}
