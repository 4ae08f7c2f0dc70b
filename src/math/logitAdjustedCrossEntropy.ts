import * as tf from '@tensorflow/tfjs';
import { check, checkInputs, checkSameDim, checkTensor, shapeString } from '../util/checks';
import { softCrossEntropy, type Reduction } from './softCrossEntropy';

/** Inputs of logitAdjustedCrossEntropy. */
export interface LogitAdjustedInputs {
  /** One-hot (or soft) targets t [B,C]. */
  targets: tf.Tensor2D;
  /** Logits z [B,C]. */
  logits: tf.Tensor2D;
  /** Class prior π [C] (the labeled set's class marginal), entries > 0. */
  classPrior: tf.Tensor1D;
}

/** Options of logitAdjustedCrossEntropy. */
export interface LogitAdjustedOptions {
  /** τ ≥ 0 (default 1); τ = 0 is plain cross-entropy. */
  tau?: number;
  /** 'mean' (default), 'sum' or 'none' ([B]). */
  reduction?: Reduction;
}

/**
 * Logit-adjusted cross-entropy ℓ_b = −Σ_c t_b,c log softmax(z_b + τ·log π)_c. Adding τ·log π during
 * training makes the unadjusted argmax z at test time approximate the balanced-error optimum, the
 * standard long-tail baseline for the supervised part.
 *
 * @param inputs `targets` t [B,C] (one-hot or soft), `logits` z [B,C], `classPrior` π [C] (entries > 0).
 * @param options `tau` τ ≥ 0 (default 1; 0 is plain cross-entropy), `reduction` (default 'mean').
 * @returns ℓ [B] with reduction 'none', else a scalar (the mean over B, 0 when B = 0).
 * @see Menon et al., "Long-tail learning via logit adjustment", ICLR 2021, eq. 10 (https://openreview.net/forum?id=37nvvqkCo5).
 * @example
 * ```ts
 * const loss = logitAdjustedCrossEntropy(
 *   { targets: tf.tensor2d([[1, 0]]), logits: tf.tensor2d([[0, 0]]), classPrior: tf.tensor1d([0.5, 0.5]) },
 *   { tau: 1 },
 * );   // a uniform prior shifts every logit alike: log 2 = 0.693
 * ```
 */
export function logitAdjustedCrossEntropy(inputs: LogitAdjustedInputs, options: LogitAdjustedOptions = {}): tf.Tensor {
  const fn = 'logitAdjustedCrossEntropy';
  checkInputs(inputs, fn, 'logitAdjustedCrossEntropy({ targets, logits, classPrior }, { tau, reduction })');
  const { targets, logits, classPrior } = inputs;
  checkTensor(logits, 'logits', fn, { rank: 2, dtype: 'float32' });
  checkTensor(targets, 'targets', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(targets, 'targets', logits, 'logits', fn);
  checkTensor(classPrior, 'classPrior', fn, { rank: 1, dtype: 'float32' });
  check(classPrior.shape[0] === logits.shape[1], fn, () =>
    `'classPrior' ${shapeString(classPrior.shape)} must have one entry per class of 'logits' ${shapeString(logits.shape)}`);
  const tau = options.tau ?? 1;
  check(typeof tau === 'number' && Number.isFinite(tau) && tau >= 0, fn, () => `option 'tau' must be a finite number ≥ 0, got ${String(tau)}`);
  return tf.tidy(() => {
    const adjusted = tf.add(logits, tf.mul(tf.log(classPrior), tau)) as tf.Tensor2D;
    return softCrossEntropy({ targets, logits: adjusted }, { reduction: options.reduction ?? 'mean' });
  });
}
