import * as tf from '@tensorflow/tfjs';
import { checkInputs, checkNumber, checkOneOf, checkSameDim, checkTensor } from '../util/checks';
import { stopGradient } from '../util/numerics';
import { adaplWeights } from './adaplWeights';
import { maskedUnlabeledLoss } from './fixmatchLoss';
import { ADAPL_ESTIMATORS, lossEstimate, type AdaplEstimator } from './estimators';
import { ESTIMATOR_DISTANCES, type EstimatorDistance } from './lossEstimator';
import { confidenceMask, hardPseudoLabels } from './pseudoLabels';
import { RELAX_SPREADS, relaxPseudoLabels, type RelaxSpread } from './relaxPseudoLabels';

/** AdaPL's masks: the confidence threshold, or none (every sample trains on its relaxed label). */
export const ADAPL_MASKS = ['threshold', 'none'] as const;
/** One of ADAPL_MASKS. */
export type AdaplMask = (typeof ADAPL_MASKS)[number];

/** Options of adaplLoss: threshold and mask, estimator distance and entropy, weight γ and w_min, label spread (docs/method.md §3). */
export interface AdaplOptions {
  /** FixMatch confidence threshold τ, default 0.95 (used when mask is 'threshold'). */
  threshold?: number;
  /** 'threshold' (default): m_b = [max q_b ≥ τ]; 'none': every sample trains on its relaxed label. */
  mask?: AdaplMask;
  /** Loss estimator, a name of ADAPL_ESTIMATORS (see LOSS_ESTIMATORS), default 'temporal'. */
  estimator?: AdaplEstimator;
  /** Distance of the 'temporal' estimator, default 'kl'. */
  distance?: EstimatorDistance;
  /** Entropy term of the 'temporal' estimator, default true. */
  entropy?: boolean;
  /** Sigmoid temperature γ, default 1. */
  gamma?: number;
  /** Minimum weight, default 0.5. */
  wMin?: number;
  /** Relaxed-label spread, default 'uniform'. */
  spread?: RelaxSpread;
}

/** Inputs of adaplLoss: strong-view logits, weak-view probabilities, reference probabilities, and optionally the student's probabilities or ready-made estimates. */
export interface AdaplLossArgs {
  /** Student strong-view logits [U,C]: the only input that receives gradient. */
  strongLogits: tf.Tensor2D;
  /** Student weak-view probabilities after distribution alignment [U,C]: gives ŷ, the mask, and p. */
  weakProbs: tf.Tensor2D;
  /** Reference (EMA / previous / memory) weak-view probabilities p̃ [U,C]. */
  referenceProbs: tf.Tensor2D;
  /** Student probabilities p for the estimator, [U,C]; default weakProbs. */
  studentProbs?: tf.Tensor2D;
  /** Precomputed estimates L̂ [U]; when given the estimator is skipped. */
  estimates?: tf.Tensor1D;
}

/**
 * AdaPL consistency loss L_con = (1/U) Σ_b m_b · H(Q_b, softmax(z_b)), with ŷ = argmax q,
 * L̂ = lossEstimate(p̃, p) (by default estimateUnlabeledLoss), w = adaplWeights(L̂), Q = relaxPseudoLabels(ŷ, w).
 * Targets, weights, mask and estimates carry no gradient; with every L̂ = 0 it equals fixmatchLoss.
 *
 * @param inputs `strongLogits` z [U,C] (the only input that receives gradient), `weakProbs` q [U,C] (after
 *   alignment: ŷ, the mask, and p by default), `referenceProbs` p̃ [U,C], optional `studentProbs` p [U,C],
 *   optional `estimates` L̂ [U] (skips the estimator).
 * @param options `threshold`, `mask`, `estimator`, `distance`, `entropy`, `gamma`, `wMin`, `spread` (see AdaplOptions).
 * @returns `loss` L_con (scalar), and the per-sample pieces: `weights` w [U], `mask` m [U], `targets` Q [U,C],
 *   `estimates` L̂ [U], `pseudoLabels` ŷ int32 [U].
 * @see TEAR spec §3 (AdaPL) and §2 (the estimator), both reconstructed; docs/method.md §3.
 * @example
 * ```ts
 * const { loss, weights } = adaplLoss(
 *   { strongLogits: tf.tensor2d([[2, 0]]), weakProbs: tf.tensor2d([[0.97, 0.03]]), referenceProbs: tf.tensor2d([[0.9, 0.1]]) },
 *   { threshold: 0.95, gamma: 1, wMin: 0.5 },
 * );   // L̂ = H(p̃, p) = 0.378, weights [0.907] (the reference is less sure), loss 0.314
 * ```
 */
export function adaplLoss(inputs: AdaplLossArgs, options: AdaplOptions = {}): {
  loss: tf.Scalar; weights: tf.Tensor1D; mask: tf.Tensor1D; targets: tf.Tensor2D;
  estimates: tf.Tensor1D; pseudoLabels: tf.Tensor1D;
} {
  const fn = 'adaplLoss';
  checkInputs(inputs, fn, 'adaplLoss({ strongLogits, weakProbs, referenceProbs, studentProbs, estimates }, { threshold, mask, estimator, distance, entropy, gamma, wMin, spread })');
  const { strongLogits, weakProbs, referenceProbs, studentProbs, estimates } = inputs;
  checkTensor(strongLogits, 'strongLogits', fn, { rank: 2, dtype: 'float32' });
  checkTensor(weakProbs, 'weakProbs', fn, { rank: 2, dtype: 'float32' });
  checkTensor(referenceProbs, 'referenceProbs', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(weakProbs, 'weakProbs', strongLogits, 'strongLogits', fn);
  checkSameDim(referenceProbs, 'referenceProbs', strongLogits, 'strongLogits', fn);
  if (studentProbs !== undefined) {
    checkTensor(studentProbs, 'studentProbs', fn, { rank: 2, dtype: 'float32' });
    checkSameDim(studentProbs, 'studentProbs', strongLogits, 'strongLogits', fn);
  }
  if (estimates !== undefined) {
    checkTensor(estimates, 'estimates', fn, { rank: 1, dtype: 'float32' });
    checkSameDim(estimates, 'estimates', strongLogits, 'strongLogits', fn, 0, 0);
  }
  const threshold = options.threshold ?? 0.95;
  checkNumber(threshold, 'threshold', fn, { min: 0, max: 1 });
  const maskMode = options.mask ?? 'threshold';
  checkOneOf(maskMode, ADAPL_MASKS, 'mask', fn);
  const spread = options.spread ?? 'uniform';
  checkOneOf(spread, RELAX_SPREADS, 'spread', fn);
  if (options.estimator !== undefined) checkOneOf(options.estimator, ADAPL_ESTIMATORS, 'estimator', fn);
  if (options.distance !== undefined) checkOneOf(options.distance, ESTIMATOR_DISTANCES, 'distance', fn);
  if (options.gamma !== undefined) checkNumber(options.gamma, 'gamma', fn, { min: 0, minOpen: true });
  if (options.wMin !== undefined) checkNumber(options.wMin, 'wMin', fn, { min: 0, max: 1 });
  const numClasses = strongLogits.shape[1];
  return tf.tidy(() => {
    const { labels, confidence } = hardPseudoLabels(weakProbs);
    confidence.dispose();
    const mask = stopGradient(maskMode === 'threshold'
      ? confidenceMask({ probs: weakProbs }, { threshold })
      : tf.ones([strongLogits.shape[0]]) as tf.Tensor1D);
    const estimated = stopGradient(estimates !== undefined
      ? estimates
      : lossEstimate({ referenceProbs, studentProbs: studentProbs ?? weakProbs }, { estimator: options.estimator, distance: options.distance, entropy: options.entropy }));
    const weights = stopGradient(adaplWeights({ estimates: estimated }, { gamma: options.gamma, wMin: options.wMin }));
    const targets = stopGradient(relaxPseudoLabels({ pseudoLabels: labels, weights, referenceProbs }, { numClasses, spread }));
    const loss = maskedUnlabeledLoss({ targets, strongLogits, mask });
    return { loss, weights, mask, targets, estimates: estimated, pseudoLabels: labels };
  });
}
