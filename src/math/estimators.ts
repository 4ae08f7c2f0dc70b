import type * as tf from '@tensorflow/tfjs';
import { checkInputs, checkOneOf } from '../util/checks';
import { ensembleLossEstimate } from './ensembleLossEstimate';
import { estimateUnlabeledLoss, type EstimatorDistance, type LossEstimatorInputs } from './lossEstimator';
import { maxProbabilityUncertainty, temporalEnsembleUncertainty } from './uncertaintyScores';

/** The settings an estimator may read: those of the temporal estimator (`adapl.distance`, `adapl.entropy`). */
export interface LossEstimatorSettings {
  /** D(p̃, p) of the 'temporal' estimator, default 'kl'. */
  distance?: EstimatorDistance;
  /** Add H(p̃) in the 'temporal' estimator, default true. */
  entropy?: boolean;
}

/**
 * One named estimator: every one takes `{ referenceProbs, studentProbs }` ([U,C] each) and returns one
 * value per sample [U]. `train` is the estimate L̂ in nats that AdaPL can train with (`adapl.estimator`);
 * `score` is the value the estimator study records (`candidate.<name>`, docs/method.md).
 */
export interface LossEstimatorEntry {
  /** What it computes, in one line (p̃ reference, p student, ŷ = argmax p). */
  summary: string;
  /** L̂ [U] in nats, fed to adaplWeights; present for the names `adapl.estimator` accepts. */
  train?: (inputs: LossEstimatorInputs, settings: LossEstimatorSettings) => tf.Tensor1D;
  /** The study's score [U]; present for the names {@link lossEstimateCandidates} returns. */
  score?: (inputs: LossEstimatorInputs) => tf.Tensor1D;
}

/** A {@link LossEstimatorEntry} AdaPL can train with. */
export type TrainableEstimator = LossEstimatorEntry & Required<Pick<LossEstimatorEntry, 'train'>>;
/** A {@link LossEstimatorEntry} the estimator study scores. */
export type ScoredEstimator = LossEstimatorEntry & Required<Pick<LossEstimatorEntry, 'score'>>;

const trained = (entry: TrainableEstimator): TrainableEstimator => entry;
const scored = (entry: ScoredEstimator): ScoredEstimator => entry;
const distanceScore = (summary: string, distance: EstimatorDistance, entropy: boolean): ScoredEstimator =>
  scored({ summary, score: (inputs) => estimateUnlabeledLoss(inputs, { distance, entropy }) });

/**
 * Every named loss estimator, the one place its name is tied to its function (TEAR spec §2, docs/method.md,
 * "Choosing the loss estimator"). {@link ADAPL_ESTIMATORS}, {@link LOSS_ESTIMATE_CANDIDATES}, their types,
 * {@link lossEstimate} and {@link lossEstimateCandidates} all read it; the order is the order of those lists.
 * 'ensemble' is both: AdaPL trains with −log q_ŷ and the study scores 1 − q_ŷ, q = ½(p̃ + p) (the same ranking).
 */
export const LOSS_ESTIMATORS = {
  temporal: trained({
    summary: 'D(p̃, p) + e·H(p̃) with adapl.distance and adapl.entropy; the default is H(p̃, p) (TEAR spec §2)',
    train: (inputs, { distance, entropy }) => estimateUnlabeledLoss(inputs, { distance, entropy }),
  }),
  kl: distanceScore('KL(p̃ ‖ p)', 'kl', false),
  'kl+entropy': distanceScore('KL(p̃ ‖ p) + H(p̃) = H(p̃, p), the temporal default', 'kl', true),
  mse: distanceScore('(1/C) Σ (p̃ − p)²', 'mse', false),
  'mse+entropy': distanceScore('(1/C) Σ (p̃ − p)² + H(p̃)', 'mse', true),
  emd: distanceScore('Σ_c |CDF_p̃(c) − CDF_p(c)|', 'emd', false),
  'emd+entropy': distanceScore('Σ_c |CDF_p̃(c) − CDF_p(c)| + H(p̃)', 'emd', true),
  naive: scored({ summary: '1 − max p', score: ({ studentProbs }) => maxProbabilityUncertainty({ probs: studentProbs }) }),
  referenceNaive: scored({ summary: '1 − max p̃', score: ({ referenceProbs }) => maxProbabilityUncertainty({ probs: referenceProbs }) }),
  ensemble: {
    summary: 'temporal ensemble: trains with −log ½(p̃ + p)_ŷ, scored as 1 − ½(p̃ + p)_ŷ',
    train: (inputs) => ensembleLossEstimate(inputs, { referenceWeight: 0.5 }),
    score: (inputs) => temporalEnsembleUncertainty(inputs, { referenceWeight: 0.5 }),
  } as TrainableEstimator & ScoredEstimator,
  referenceOnLabel: scored({ summary: '1 − p̃_ŷ', score: (inputs) => temporalEnsembleUncertainty(inputs, { referenceWeight: 1 }) }),
  confidence: trained({
    summary: '−log max p: the student alone, the ablation of the temporal signal',
    train: (inputs) => ensembleLossEstimate(inputs, { referenceWeight: 0 }),
  }),
} as const;

/** A name `adapl.estimator` accepts: a key of {@link LOSS_ESTIMATORS} whose entry has `train`. */
export type AdaplEstimator = {
  [K in keyof typeof LOSS_ESTIMATORS]: (typeof LOSS_ESTIMATORS)[K] extends TrainableEstimator ? K : never
}[keyof typeof LOSS_ESTIMATORS];
/** A score of the estimator study: a key of {@link LOSS_ESTIMATORS} whose entry has `score`. */
export type LossEstimateCandidate = {
  [K in keyof typeof LOSS_ESTIMATORS]: (typeof LOSS_ESTIMATORS)[K] extends ScoredEstimator ? K : never
}[keyof typeof LOSS_ESTIMATORS];

const entries = Object.entries(LOSS_ESTIMATORS) as Array<[keyof typeof LOSS_ESTIMATORS, LossEstimatorEntry]>;

/** AdaPL's loss estimators (`adapl.estimator`), in table order: 'temporal' (default), 'ensemble', 'confidence'. */
export const ADAPL_ESTIMATORS: readonly AdaplEstimator[] = entries.filter(([, e]) => e.train !== undefined).map(([n]) => n as AdaplEstimator);
/** Names of the per-sample scores {@link lossEstimateCandidates} returns, in table order. */
export const LOSS_ESTIMATE_CANDIDATES: readonly LossEstimateCandidate[] = entries.filter(([, e]) => e.score !== undefined).map(([n]) => n as LossEstimateCandidate);

/** Options of {@link lossEstimate}: the estimator's name and the temporal estimator's settings. */
export interface LossEstimateOptions extends LossEstimatorSettings {
  /** A name of {@link ADAPL_ESTIMATORS}, default 'temporal'. */
  estimator?: AdaplEstimator;
}

/**
 * The loss estimate L̂ that AdaPL trains with, by estimator name: `LOSS_ESTIMATORS[estimator].train`.
 *
 * @param inputs `referenceProbs` p̃ [U,C] and `studentProbs` p [U,C].
 * @param options `estimator` (default 'temporal'); `distance`, `entropy` for 'temporal'.
 * @returns L̂ [U] in nats, per sample (unreduced).
 * @see TEAR spec §2 (the temporal estimator, reconstructed); docs/method.md, "Choosing the loss estimator".
 * @example
 * ```ts
 * const estimates = lossEstimate(
 *   { referenceProbs: tf.tensor2d([[0.9, 0.1]]), studentProbs: tf.tensor2d([[0.7, 0.3]]) },
 *   { estimator: 'ensemble' },
 * );   // −log 0.8 = [0.223]
 * ```
 */
export function lossEstimate(inputs: LossEstimatorInputs, options: LossEstimateOptions = {}): tf.Tensor1D {
  const fn = 'lossEstimate';
  checkInputs(inputs, fn, 'lossEstimate({ referenceProbs, studentProbs }, { estimator, distance, entropy })');
  const estimator = options.estimator ?? 'temporal';
  checkOneOf(estimator, ADAPL_ESTIMATORS, 'estimator', fn);
  return (LOSS_ESTIMATORS[estimator] as TrainableEstimator).train(inputs, { distance: options.distance, entropy: options.entropy });
}

/**
 * Every loss-estimate candidate of the estimator study (docs/method.md), from one pair of probability
 * batches: `LOSS_ESTIMATORS[name].score` for each name of {@link LOSS_ESTIMATE_CANDIDATES}
 * ('kl' … 'emd+entropy': D(p̃, p) (+ H(p̃)); 'naive': 1 − max p; 'referenceNaive': 1 − max p̃;
 * 'ensemble': 1 − ½(p̃ + p)_ŷ; 'referenceOnLabel': 1 − p̃_ŷ, with ŷ = argmax p).
 * For diagnostics only: none of these feeds the loss unless chosen as the estimator. The caller owns the tensors.
 *
 * @param inputs `referenceProbs` p̃ [U,C] and `studentProbs` p [U,C].
 * @returns one score [U] per candidate name.
 * @see TEAR spec §2; Laine & Aila, "Temporal Ensembling for Semi-Supervised Learning", ICLR 2017 ('ensemble').
 * @example
 * ```ts
 * const scores = lossEstimateCandidates({ referenceProbs: tf.tensor2d([[0.9, 0.1]]), studentProbs: tf.tensor2d([[0.7, 0.3]]) });
 * const naive = scores.naive;   // 1 − max p = [0.3]
 * ```
 */
export function lossEstimateCandidates(inputs: LossEstimatorInputs): Record<LossEstimateCandidate, tf.Tensor1D> {
  checkInputs(inputs, 'lossEstimateCandidates', 'lossEstimateCandidates({ referenceProbs, studentProbs })');
  const { referenceProbs, studentProbs } = inputs;
  return Object.fromEntries(LOSS_ESTIMATE_CANDIDATES.map((name) => {
    return [name, (LOSS_ESTIMATORS[name] as ScoredEstimator).score({ referenceProbs, studentProbs })];
  })) as Record<LossEstimateCandidate, tf.Tensor1D>;
}
