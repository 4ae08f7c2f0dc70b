/**
 * tear-ssl/core: the browser-safe part of tear-ssl (no Node built-ins): TEAR's math as pure tensor
 * functions, Optax-style temporal state, backbones, augmentations, metrics, and the trainer with
 * in-memory checkpoints (`trainer.checkpoint()`, `SemiSupervisedTrainer.fromCheckpoint(payload, setup)`).
 */

// math: FixMatch pieces
export { softmaxProbabilities, safeLog, PROBABILITY_FLOOR } from './math/probabilities';
export {
  hardPseudoLabels, confidenceMask, oneHotPseudoLabels, type ConfidenceMaskInputs, type ConfidenceMaskOptions,
} from './math/pseudoLabels';
export { softCrossEntropy, REDUCTIONS, type SoftCrossEntropyInputs, type SoftCrossEntropyOptions, type Reduction } from './math/softCrossEntropy';
export {
  maskedUnlabeledLoss, fixmatchLoss, type FixmatchLossArgs, type FixmatchLossOptions, type MaskedUnlabeledLossInputs,
  type MaskedUnlabeledLossOptions,
} from './math/fixmatchLoss';
// math: long tails and class priors
export {
  logitAdjustedCrossEntropy, type LogitAdjustedInputs, type LogitAdjustedOptions,
} from './math/logitAdjustedCrossEntropy';
export {
  debiasProbabilities, marginalAdjustedLogits, MARGINAL_FLOOR, type DebiasInputs, type MarginalAdjustedInputs, type DebiasOptions,
} from './math/debiasPseudoLabels';
// math: temporal loss estimator and AdaPL
export { estimateUnlabeledLoss, ESTIMATOR_DISTANCES, type EstimatorDistance, type LossEstimatorInputs, type LossEstimatorOptions } from './math/lossEstimator';
export {
  ensembleLossEstimate, type EnsembleLossEstimateInputs, type EnsembleLossEstimateOptions,
} from './math/ensembleLossEstimate';
export {
  maxProbabilityUncertainty, temporalEnsembleUncertainty, type MaxProbabilityInputs, type TemporalEnsembleOptions,
} from './math/uncertaintyScores';
export {
  LOSS_ESTIMATORS, ADAPL_ESTIMATORS, LOSS_ESTIMATE_CANDIDATES, lossEstimate, lossEstimateCandidates, type TrainableEstimator, type ScoredEstimator,
  type AdaplEstimator, type LossEstimateCandidate, type LossEstimatorEntry, type LossEstimatorSettings, type LossEstimateOptions,
} from './math/estimators';
export { adaplWeights, type AdaplWeightInputs, type AdaplWeightOptions } from './math/adaplWeights';
export { relaxPseudoLabels, RELAX_SPREADS, type RelaxSpread, type RelaxInputs, type RelaxOptions } from './math/relaxPseudoLabels';
export { adaplLoss, ADAPL_MASKS, type AdaplMask, type AdaplOptions, type AdaplLossArgs } from './math/adaplLoss';
// math: IPH
export {
  kmeans, kmeansRunsOnHost, type KMeansInputs, type KMeansOptions, type KMeansRunOptions, type KMeansResult, type KMeansEngine,
} from './math/kmeans';
export { clusterPrototypes, type ClusterPrototypesInputs, type ClusterPrototypesOptions } from './math/clusterPrototypes';
export { matchPrototypes, type MatchPrototypesInputs } from './math/matchPrototypes';
export { cosineSimilarityMatrix, pairedCosine, safeRowNorms, COSINE_EPSILON } from './math/cosine';
export { iphLoss, IPH_REFERENCES, type IphReference, type IphOptions, type IphArgs, type IphResult } from './math/iphLoss';
export {
  iphLossReleaseExact, type IphReleaseExactArgs, type IphReleaseExactOptions, type IphReleaseExactResult,
} from './math/iphLossReleaseExact';

// state
export {
  distributionAlignmentInit, distributionAlignmentUpdate, alignDistribution,
  distributionAlignmentToJSON, distributionAlignmentFromJSON,
  type DistributionAlignmentState, type DistributionAlignmentJSON,
} from './state/distributionAlignment';
export {
  emaInit, emaUpdate, emaMomentum, emaToJSON, emaFromJSON,
  type EmaState, type EmaJSON, type EmaUpdateOptions,
} from './state/ema';
export {
  temporalMemoryInit, temporalMemoryRead, temporalMemoryUpdate, temporalMemoryToJSON, temporalMemoryFromJSON,
  type TemporalMemoryState, type TemporalMemoryJSON,
} from './state/temporalMemory';
export {
  marginalPredictionInit, marginalPredictionUpdate, marginalPredictionToJSON, marginalPredictionFromJSON,
  type MarginalPredictionState, type MarginalPredictionJSON,
} from './state/marginalPrediction';
export { Random, deriveSeed, type RandomState } from './state/random';

// data (browser-safe parts)
export {
  keptClasses, indicesOfClasses, selectSamples, longTailPool, scaleCounts, LONG_TAIL_PRESETS, LONG_TAIL_PRESET_NAMES,
  ISIC2018_CLASS_COUNTS, type LongTailPreset, type LongTailPresetName,
} from './data/longTail';
export { classPriorOf } from './data/classPrior';
export { serializeTensor, deserializeTensor, disposeState, type SerializedTensor } from './state/serialize';

// models
export { createSmallCnn, type SmallCnnOptions } from './models/smallCnn';
export { createWideResNet, type WideResNetOptions } from './models/wideResNet';
export { createTearEncoder, type TearEncoderOptions } from './models/tearEncoder';
export { SeededDropout, seededDropout, withDropoutSeed, type SeededDropoutArgs } from './models/seededDropout';
export { withFeatureOutput, type WithFeatureOutputOptions } from './models/withFeatureOutput';
export { inferenceModel, type InferenceOutput } from './models/inferenceModel';

// augment
export { type Augment } from './augment/types';
export { weakAugment, type WeakAugmentOptions } from './augment/weakAugment';
export {
  randAugment, strongAugment, randAugmentParameter, applyRandAugmentOp, RAND_AUGMENT_OPS,
  type RandAugmentOp, type RandAugmentOptions, type StrongAugmentOptions,
} from './augment/randAugment';
export { medicalPreset, MEDICAL_RAND_AUGMENT_OPS, type MedicalPresetOptions } from './augment/medicalPreset';

// metrics
export { confusionMatrix } from './metrics/confusionMatrix';
export { estimatorQuality, type EstimatorQuality } from './metrics/estimatorQuality';
export { fitLogisticRegression, logisticScores, type LogisticModel, type LogisticRegressionOptions } from './metrics/logisticRegression';
export { crossFittedLogisticScores } from './metrics/crossFittedScores';
export { estimatorDiagnostics, heldOutEstimatorDiagnostics, type EstimatorDiagnosticsInputs, type HeldOutSplit } from './training/estimatorDiagnostics';
export { top1Accuracy } from './metrics/top1Accuracy';
export { perClassAccuracy } from './metrics/perClassAccuracy';
export { balancedAccuracy } from './metrics/balancedAccuracy';
export { macroPrecisionRecallF1, type PrecisionRecallF1 } from './metrics/macroPrecisionRecallF1';
export { binaryRocAuc } from './metrics/rocAuc';
export { rocAucOneVsRest, rocAucPerClass } from './metrics/rocAucOneVsRest';
export { classificationReport, type ClassificationReport } from './metrics/classificationReport';
export {
  maskRate, pseudoLabelAccuracy, spearmanCorrelation, trueLabelLosses, pseudoLabelClassCounts, pseudoLabelClassCountLogs,
  type PseudoLabelClassCounts,
} from './metrics/sslDiagnostics';
export { type ProbabilityRows } from './metrics/probabilityRows';
export { type NumberArray } from './metrics/labelChecks';
export { evaluateModels, predictProbabilities, type Classifier, type Predictions } from './training/evaluateModels';

// training (browser-safe): the trainer, its config and callbacks, in-memory checkpoint payloads
export {
  SemiSupervisedTrainer, SEED_PURPOSE,
  type TrainerOptions, type TrainerSetup, type ResumeSetup, type BatchSource, type ValidationSource, type LabeledSource, type UnlabeledSource,
} from './training/trainer';
export {
  CheckpointError, NonFiniteCheckpointError, CHECKPOINT_KIND, buildCheckpointPayload, readCheckpointPayload, restoreCheckpointState,
  type CheckpointPayload, type CheckpointSource, type CheckpointTarget, type RestoredState,
} from './training/checkpointPayload';
export { setCheckpointStorage, type CheckpointStorage } from './training/checkpointStorage';
export { DivergenceError } from './training/divergence';
export type { TrainerConfig, TrainerConfigInput } from './training/config';
export type { StepLogs, EvalMetrics, TrainerCallbacks, LayersStyleCallback } from './training/callbacks';

// backends (browser-safe)
export { describeWebgpuAdapter, type WebgpuAdapterDescription, type GpuLike } from './backends/webgpuAdapter';

// utilities
export { TearArgumentError } from './util/checks';
export { assertFinite, stopGradient, detach } from './util/numerics';
