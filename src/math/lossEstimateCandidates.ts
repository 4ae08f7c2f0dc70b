import * as tf from '@tensorflow/tfjs';
import { estimateUnlabeledLoss, type EstimatorDistance } from './lossEstimator';
import { maxProbabilityUncertainty, temporalEnsembleUncertainty } from './uncertaintyScores';

/** Names of the per-sample scores {@link lossEstimateCandidates} returns. */
export const LOSS_ESTIMATE_CANDIDATES = [
  'kl', 'kl+entropy', 'mse', 'mse+entropy', 'emd', 'emd+entropy',
  'naive', 'referenceNaive', 'ensemble', 'referenceOnLabel',
] as const;
/** One of {@link LOSS_ESTIMATE_CANDIDATES}. */
export type LossEstimateCandidate = (typeof LOSS_ESTIMATE_CANDIDATES)[number];

/**
 * Every loss-estimate candidate of the estimator study (docs/method.md), from one pair of probability
 * batches: referenceProbs p̃ and studentProbs p, [U,C] → a [U] score per name:
 *   'kl' … 'emd+entropy': {@link estimateUnlabeledLoss} D(p̃, p) (+ H(p̃)); 'kl+entropy' is AdaPL's default H(p̃, p);
 *   'naive': 1 − max p;   'referenceNaive': 1 − max p̃;
 *   'ensemble': 1 − ½(p̃ + p)_ŷ;   'referenceOnLabel': 1 − p̃_ŷ, with ŷ = argmax p.
 * For diagnostics only: none of these feeds the loss unless chosen as the estimator. The caller owns the tensors.
 */
export function lossEstimateCandidates(referenceProbs: tf.Tensor2D, studentProbs: tf.Tensor2D): Record<LossEstimateCandidate, tf.Tensor1D> {
  const distance = (d: EstimatorDistance, entropy: boolean): tf.Tensor1D => estimateUnlabeledLoss({ referenceProbs, studentProbs }, { distance: d, entropy });
  return {
    kl: distance('kl', false),
    'kl+entropy': distance('kl', true),
    mse: distance('mse', false),
    'mse+entropy': distance('mse', true),
    emd: distance('emd', false),
    'emd+entropy': distance('emd', true),
    naive: maxProbabilityUncertainty(studentProbs),
    referenceNaive: maxProbabilityUncertainty(referenceProbs),
    ensemble: temporalEnsembleUncertainty(referenceProbs, studentProbs, { referenceWeight: 0.5 }),
    referenceOnLabel: temporalEnsembleUncertainty(referenceProbs, studentProbs, { referenceWeight: 1 }),
  };
}
