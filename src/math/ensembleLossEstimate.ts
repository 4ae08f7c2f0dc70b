import * as tf from '@tensorflow/tfjs';
import { checkInputs, checkNumber, checkSameDim, checkTensor } from '../util/checks';
import { temporalEnsembleUncertainty } from './uncertaintyScores';

/** Inputs of {@link ensembleLossEstimate}: reference p̃ and student p, probabilities [U,C]. */
export interface EnsembleLossEstimateInputs {
  /** p̃ [U,C], the reference's probabilities. */
  referenceProbs: tf.Tensor2D;
  /** p [U,C], the student's probabilities (ŷ = argmax p). */
  studentProbs: tf.Tensor2D;
}

/** Options of {@link ensembleLossEstimate}. */
export interface EnsembleLossEstimateOptions {
  /** Weight α of the reference in q = α·p̃ + (1 − α)·p, in [0, 1]; default 0.5. */
  referenceWeight?: number;
}

/**
 * Temporal-ensemble loss estimate of the student's own pseudo label, in nats like the default estimator:
 *   ŷ_b = argmax_c p_b,c,   L̂_b = −log max(α·p̃_b,ŷ + (1 − α)·p_b,ŷ, 1e-8)   ([U,C] → [U]).
 * It is a monotone transform of `temporalEnsembleUncertainty` (1 − q_ŷ), so it ranks samples the same way:
 * the score that beat `1 − max p` at ranking the true loss and spotting wrong pseudo labels in the
 * estimator study (docs/method.md). α = 0 gives −log max p. Pure; NaN inputs give NaN.
 *
 * @param inputs `referenceProbs` p̃ and `studentProbs` p, [U,C] each.
 * @param options `referenceWeight` α in [0, 1], default 0.5.
 * @returns L̂ [U] ≥ 0, per sample (unreduced).
 * @see Laine & Aila, "Temporal Ensembling for Semi-Supervised Learning", ICLR 2017, §2.2 (averaging past
 *   predictions); the `ensemble` estimator of `LOSS_ESTIMATORS`.
 * @example
 * ```ts
 * const estimates = ensembleLossEstimate(
 *   { referenceProbs: tf.tensor2d([[0.9, 0.1]]), studentProbs: tf.tensor2d([[0.7, 0.3]]) },
 *   { referenceWeight: 0.5 },
 * );   // −log ½(0.9 + 0.7) = [0.223]
 * ```
 */
export function ensembleLossEstimate(inputs: EnsembleLossEstimateInputs, options: EnsembleLossEstimateOptions = {}): tf.Tensor1D {
  const fn = 'ensembleLossEstimate';
  checkInputs(inputs, fn, 'ensembleLossEstimate({ referenceProbs, studentProbs }, { referenceWeight })');
  const { referenceProbs, studentProbs } = inputs;
  checkTensor(referenceProbs, 'referenceProbs', fn, { rank: 2, dtype: 'float32' });
  checkTensor(studentProbs, 'studentProbs', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(referenceProbs, 'referenceProbs', studentProbs, 'studentProbs', fn);
  const alpha = options.referenceWeight ?? 0.5;
  checkNumber(alpha, 'referenceWeight', fn, { min: 0, max: 1 });
  return tf.tidy(() => {
    const uncertainty = temporalEnsembleUncertainty({ referenceProbs, studentProbs }, { referenceWeight: alpha });
    return tf.neg(tf.log(tf.maximum(tf.sub(1, uncertainty), 1e-8))) as tf.Tensor1D;
  });
}
