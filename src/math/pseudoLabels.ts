import * as tf from '@tensorflow/tfjs';
import { checkInputs, checkNumber, checkTensor } from '../util/checks';

/**
 * Hard pseudo labels ŷ_b = argmax_c q_b,c (ties pick the lowest class) and confidence s_b = max_c q_b,c.
 * A tensor helper (positional, like a tf op).
 *
 * @param probs q [U,C] float32.
 * @returns `labels` ŷ int32 [U] and `confidence` s [U].
 * @see TEAR spec §1; Sohn et al., "FixMatch", NeurIPS 2020, eq. 2 (ŷ = argmax q).
 * @example
 * ```ts
 * const { labels, confidence } = hardPseudoLabels(tf.tensor2d([[0.7, 0.3], [0.2, 0.8]]));   // [0, 1], [0.7, 0.8]
 * ```
 */
export function hardPseudoLabels(probs: tf.Tensor2D): { labels: tf.Tensor1D; confidence: tf.Tensor1D } {
  checkTensor(probs, 'probs', 'hardPseudoLabels', { rank: 2, dtype: 'float32' });
  return {
    labels: tf.argMax(probs, 1) as tf.Tensor1D,
    confidence: tf.max(probs, 1) as tf.Tensor1D,
  };
}

/** Inputs of {@link confidenceMask}. */
export interface ConfidenceMaskInputs {
  /** q [U,C] float32, the (aligned) weak-view probabilities. */
  probs: tf.Tensor2D;
}

/** Options of {@link confidenceMask}. */
export interface ConfidenceMaskOptions {
  /** Confidence threshold τ in [0, 1], default 0.95. */
  threshold?: number;
}

const MASK_FORM = 'confidenceMask({ probs }, { threshold })';

/**
 * FixMatch confidence mask m_b = [max_c q_b,c ≥ τ], float32 0/1.
 *
 * @param inputs `probs` q [U,C].
 * @param options `threshold` τ in [0, 1], default 0.95.
 * @returns m [U], float32 0/1.
 * @see Sohn et al., "FixMatch", NeurIPS 2020, eq. 4 (the indicator 1(max q ≥ τ)); TEAR spec §1.
 * @example
 * ```ts
 * const mask = confidenceMask({ probs: tf.tensor2d([[0.7, 0.3], [0.1, 0.9]]) }, { threshold: 0.8 });   // [0, 1]
 * ```
 */
export function confidenceMask(inputs: ConfidenceMaskInputs, options: ConfidenceMaskOptions = {}): tf.Tensor1D {
  const fn = 'confidenceMask';
  checkInputs(inputs, fn, MASK_FORM);
  const { probs } = inputs;
  const threshold = options.threshold ?? 0.95;
  checkTensor(probs, 'probs', fn, { rank: 2, dtype: 'float32' });
  checkNumber(threshold, 'threshold', fn, { min: 0, max: 1 });
  return tf.tidy(() => tf.cast(tf.greaterEqual(tf.max(probs, 1), threshold), 'float32') as tf.Tensor1D);
}

/**
 * One-hot float32 targets t_b = onehot(ŷ_b) from int32 labels (values in [0, C)); C = 1 gives a column of
 * ones. A tensor helper (positional, like tf.oneHot: the class count is a size, not a setting).
 *
 * @param labels ŷ int32 [U].
 * @param numClasses C ≥ 1.
 * @returns t [U,C] float32.
 * @see Sohn et al., "FixMatch", NeurIPS 2020, eq. 4 (the hard target); TEAR spec §1.
 * @example
 * ```ts
 * const t = oneHotPseudoLabels(tf.tensor1d([2, 0], 'int32'), 3);   // [[0, 0, 1], [1, 0, 0]]
 * ```
 */
export function oneHotPseudoLabels(labels: tf.Tensor1D, numClasses: number): tf.Tensor2D {
  const fn = 'oneHotPseudoLabels';
  checkTensor(labels, 'labels', fn, { rank: 1, dtype: 'int32' });
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
  if (numClasses === 1) return tf.ones([labels.shape[0], 1]);
  return tf.tidy(() => tf.cast(tf.oneHot(labels, numClasses), 'float32') as tf.Tensor2D);
}
