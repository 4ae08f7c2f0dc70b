import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkSameDim, checkTensor } from '../util/checks';

/**
 * The naive per-sample uncertainty u_b = 1 − max_c p_b,c ([U,C] → [U]): the baseline every loss
 * estimator must beat at ranking the true loss and at spotting wrong pseudo labels (issue 9).
 */
export function maxProbabilityUncertainty(probs: tf.Tensor2D): tf.Tensor1D {
  checkTensor(probs, 'probs', 'maxProbabilityUncertainty', { rank: 2, dtype: 'float32' });
  return tf.tidy(() => tf.sub(1, tf.max(probs, 1)) as tf.Tensor1D);
}

/** Options of {@link temporalEnsembleUncertainty}. */
export interface TemporalEnsembleOptions {
  /** Weight α of the reference in the ensemble q = α·p̃ + (1 − α)·p, in [0, 1]; default 0.5. */
  referenceWeight?: number;
}

/**
 * Temporal-ensemble uncertainty of the student's own pseudo label:
 *   ŷ_b = argmax_c p_b,c,   u_b = 1 − (α·p̃_b,ŷ + (1 − α)·p_b,ŷ).
 * It combines the student's uncertainty (1 − p_ŷ) with the reference's disagreement (1 − p̃_ŷ: low when
 * the earlier/EMA model backs the same label). α = 0 gives {@link maxProbabilityUncertainty}; α = 1 the
 * reference's probability of the student's label. referenceProbs p̃ and studentProbs p: [U,C] → [U].
 * Reference: averaging predictions over past states as in temporal ensembling (Laine & Aila, ICLR 2017),
 * used here to score pseudo labels rather than as a target.
 */
export function temporalEnsembleUncertainty(
  referenceProbs: tf.Tensor2D, studentProbs: tf.Tensor2D, opts: TemporalEnsembleOptions = {},
): tf.Tensor1D {
  const fn = 'temporalEnsembleUncertainty';
  checkTensor(referenceProbs, 'referenceProbs', fn, { rank: 2, dtype: 'float32' });
  checkTensor(studentProbs, 'studentProbs', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(referenceProbs, 'referenceProbs', studentProbs, 'studentProbs', fn);
  const alpha = opts.referenceWeight ?? 0.5;
  checkNumber(alpha, 'referenceWeight', fn, { min: 0, max: 1 });
  return tf.tidy(() => {
    const numClasses = studentProbs.shape[1];
    const labelMask = tf.oneHot(tf.argMax(studentProbs, 1) as tf.Tensor1D, numClasses).toFloat();
    const ensemble = tf.add(tf.mul(referenceProbs, alpha), tf.mul(studentProbs, 1 - alpha));
    return tf.sub(1, tf.sum(tf.mul(ensemble, labelMask), 1)) as tf.Tensor1D;
  });
}
