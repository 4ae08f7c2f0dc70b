import * as tf from '@tensorflow/tfjs';
import { checkTensor } from '../util/checks';

/** Smallest probability fed to a logarithm: log(max(p, 1e-8)) ≥ −18.43, so every estimate stays finite. */
export const PROBABILITY_FLOOR = 1e-8;

/**
 * p = softmax(z) row by row: p_b,c = exp(z_b,c) / Σ_k exp(z_b,k). A tensor helper (positional, like a tf op).
 *
 * @param logits z [U,C] float32.
 * @returns p [U,C], rows summing to 1.
 * @see TEAR spec §1 (p = softmax(z)); Sohn et al., "FixMatch", NeurIPS 2020, §2.
 * @example
 * ```ts
 * const p = softmaxProbabilities(tf.tensor2d([[0, 0], [2, 0]]));   // [[0.5, 0.5], [0.881, 0.119]]
 * ```
 */
export function softmaxProbabilities(logits: tf.Tensor2D): tf.Tensor2D {
  checkTensor(logits, 'logits', 'softmaxProbabilities', { rank: 2, dtype: 'float32' });
  return tf.softmax(logits, -1);
}

/**
 * Elementwise log(clip(p, 1e-8, 1)); finite for any finite p. A tensor helper (positional).
 *
 * @param probs p of any shape.
 * @returns log p, same shape, ≥ log 1e-8 = −18.42.
 * @see TEAR spec §2 ("clamp at 1e-8": the estimate must be finite for any finite logits).
 * @example
 * ```ts
 * const logs = safeLog(tf.tensor1d([1, 0]));   // [0, −18.42]
 * ```
 */
export function safeLog<T extends tf.Tensor>(probs: T): T {
  return tf.tidy(() => tf.log(tf.clipByValue(probs, PROBABILITY_FLOOR, 1))) as T;
}
