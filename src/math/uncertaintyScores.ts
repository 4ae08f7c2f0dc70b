import * as tf from '@tensorflow/tfjs';
import { checkInputs, checkNumber, checkSameDim, checkTensor } from '../util/checks';
import type { LossEstimatorInputs } from './lossEstimator';

/** Inputs of {@link maxProbabilityUncertainty}. */
export interface MaxProbabilityInputs {
  /** p [U,C], the probabilities whose top class is scored. */
  probs: tf.Tensor2D;
}

/**
 * The naive per-sample uncertainty u_b = 1 − max_c p_b,c: the baseline every loss estimator must beat
 * at ranking the true loss and at spotting wrong pseudo labels (issue 9).
 *
 * @param inputs `probs` p [U,C].
 * @returns u [U], in [0, 1 − 1/C].
 * @see Sohn et al., "FixMatch", NeurIPS 2020, eq. 4 (max q, the confidence FixMatch thresholds); docs/method.md, "Choosing the loss estimator".
 * @example
 * ```ts
 * const u = maxProbabilityUncertainty({ probs: tf.tensor2d([[0.7, 0.3], [0.5, 0.5]]) });   // [0.3, 0.5]
 * ```
 */
export function maxProbabilityUncertainty(inputs: MaxProbabilityInputs): tf.Tensor1D {
  const fn = 'maxProbabilityUncertainty';
  checkInputs(inputs, fn, 'maxProbabilityUncertainty({ probs })');
  const { probs } = inputs;
  checkTensor(probs, 'probs', fn, { rank: 2, dtype: 'float32' });
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
 * reference's probability of the student's label.
 *
 * @param inputs `referenceProbs` p̃ [U,C] and `studentProbs` p [U,C].
 * @param options `referenceWeight` α in [0, 1], default 0.5.
 * @returns u [U], in [0, 1].
 * @see Laine & Aila, "Temporal Ensembling for Semi-Supervised Learning", ICLR 2017, §2.2 (averaging
 *   predictions over past states), used here to score pseudo labels rather than as a target.
 * @example
 * ```ts
 * const u = temporalEnsembleUncertainty(
 *   { referenceProbs: tf.tensor2d([[0.9, 0.1]]), studentProbs: tf.tensor2d([[0.7, 0.3]]) },
 *   { referenceWeight: 0.5 },
 * );   // 1 − ½(0.9 + 0.7) = [0.2]
 * ```
 */
export function temporalEnsembleUncertainty(inputs: LossEstimatorInputs, options: TemporalEnsembleOptions = {}): tf.Tensor1D {
  const fn = 'temporalEnsembleUncertainty';
  checkInputs(inputs, fn, 'temporalEnsembleUncertainty({ referenceProbs, studentProbs }, { referenceWeight })');
  const { referenceProbs, studentProbs } = inputs;
  checkTensor(referenceProbs, 'referenceProbs', fn, { rank: 2, dtype: 'float32' });
  checkTensor(studentProbs, 'studentProbs', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(referenceProbs, 'referenceProbs', studentProbs, 'studentProbs', fn);
  const alpha = options.referenceWeight ?? 0.5;
  checkNumber(alpha, 'referenceWeight', fn, { min: 0, max: 1 });
  return tf.tidy(() => {
    const numClasses = studentProbs.shape[1];
    const labelMask = tf.oneHot(tf.argMax(studentProbs, 1) as tf.Tensor1D, numClasses).toFloat();
    const ensemble = tf.add(tf.mul(referenceProbs, alpha), tf.mul(studentProbs, 1 - alpha));
    return tf.sub(1, tf.sum(tf.mul(ensemble, labelMask), 1)) as tf.Tensor1D;
  });
}
