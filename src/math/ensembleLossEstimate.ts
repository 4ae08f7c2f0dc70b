import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkSameDim, checkTensor } from '../util/checks';
import { temporalEnsembleUncertainty } from './uncertaintyScores';

/**
 * AdaPL's loss estimators: the temporal distance D(p̃, p) + H(p̃) (default), the temporal ensemble
 * −log ½(p̃ + p)_ŷ, or the student's own confidence −log max p (no reference: the ablation of the temporal signal).
 */
export const ADAPL_ESTIMATORS = ['temporal', 'ensemble', 'confidence'] as const;
/** One of {@link ADAPL_ESTIMATORS}. */
export type AdaplEstimator = (typeof ADAPL_ESTIMATORS)[number];

/** Inputs of {@link ensembleLossEstimate}: reference p̃ and student p, probabilities [U,C]. */
export interface EnsembleLossEstimateInputs {
  referenceProbs: tf.Tensor2D;
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
 * @param inputs - referenceProbs p̃ and studentProbs p, [U,C] each.
 * @param options - referenceWeight α.
 * @returns L̂ [U] ≥ 0.
 * @see Laine & Aila, "Temporal Ensembling for Semi-Supervised Learning", ICLR 2017 (averaging past predictions).
 */
export function ensembleLossEstimate(inputs: EnsembleLossEstimateInputs, options: EnsembleLossEstimateOptions = {}): tf.Tensor1D {
  const fn = 'ensembleLossEstimate';
  const { referenceProbs, studentProbs } = inputs;
  checkTensor(referenceProbs, 'referenceProbs', fn, { rank: 2, dtype: 'float32' });
  checkTensor(studentProbs, 'studentProbs', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(referenceProbs, 'referenceProbs', studentProbs, 'studentProbs', fn);
  const alpha = options.referenceWeight ?? 0.5;
  checkNumber(alpha, 'referenceWeight', fn, { min: 0, max: 1 });
  return tf.tidy(() => {
    const uncertainty = temporalEnsembleUncertainty(referenceProbs, studentProbs, { referenceWeight: alpha });
    return tf.neg(tf.log(tf.maximum(tf.sub(1, uncertainty), 1e-8))) as tf.Tensor1D;
  });
}
