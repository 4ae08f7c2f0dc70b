/**
 * tear-ssl: TEAR's semi-supervised regularizers for TensorFlow.js.
 * The root entry is for Node: everything in `tear-ssl/core` (browser-safe math, state, models,
 * augmentations, metrics) plus the trainer and checkpoints, data readers and backend selection.
 */

import { fileCheckpointStorage } from './training/checkpoint';
import { setCheckpointStorage } from './training/checkpointStorage';

export * from './core';

// The trainer's file-path checkpoint methods (save(file), load(file), resume(file, …)) use the Node
// checkpoint files. checkpoint.ts installs them when it loads; installed here too, so that a bundler
// dropping modules whose exports go unused keeps them (package.json lists dist/index.* as side effects).
setCheckpointStorage(fileCheckpointStorage);

// training
export {
  SemiSupervisedTrainer, SEED_PURPOSE,
  type TrainerOptions, type TrainerSetup, type BatchSource, type ValidationSource, type LabeledSource, type UnlabeledSource,
} from './training/trainer';
export {
  resolveTrainerConfig, defaultTrainerConfig, trainerOptions, TRAINING_METHODS, REFERENCES, DA_TARGETS, SUPERVISED_LOSSES,
  type DaTarget, type SupervisedLossKind, type TrainerConfig, type TrainerConfigInput, type DeepPartial, type TrainingMethod, type RegisteredNames, type ReferenceKind,
} from './training/config';
export {
  fromLayersCallback, isLayersStyleCallback, evaluationLogs,
  type StepLogs, type EvalMetrics, type TrainerCallbacks, type LayersStyleCallback, type TrainingControl,
} from './training/callbacks';
export { DivergenceError } from './training/divergence';
export { defineSection, type OptionValue, type SectionField } from './training/optionSchema';
export {
  ALGORITHMS, ADD_ONS, methodNames, canonicalMethodName, describeMethod, resolveMethod, isAlgorithmName, isAddOnName,
  type MethodRecipe, type MethodName, type AlgorithmName, type SemiSupervisedAlgorithmName, type AddOnName, type AddOn,
} from './training/algorithms/registry';
export type {
  Algorithm, Alignment, Masker, TargetBuilder, ExtraTerm, ReferenceSource, ComponentState, ComponentContext, ConfigSection, UnlabeledStep,
  OptionEntry, OptionFlag, OptionKind, StateMap, WithState, UnlabeledPieces, StepContext, ContextNeed, ReferenceModels,
} from './training/algorithms/types';
export { flexmatchThresholds, FLEXMATCH_MAPPINGS, type FlexmatchOptions } from './training/algorithms/flexmatch';
export { freematchUpdate, freematchThresholds, freematchFairness, type FreematchOptions, type FreematchState } from './training/algorithms/freematch';
export { softmatchUpdate, softmatchWeights, type SoftmatchOptions, type SoftmatchState } from './training/algorithms/softmatch';
export { debiaspl, debiasAlignment, type DebiasplOptions } from './training/algorithms/debiaspl';
export { dash, dashMasker, dashSchedule, dashThreshold, type DashOptions, type DashState } from './training/algorithms/dash';
export {
  adamatch, relativeAlignment, relativeAlignmentComponent, relativeThreshold, type AdamatchOptions, type RelativeAlignmentState,
} from './training/algorithms/adamatch';
export {
  CheckpointError, NonFiniteCheckpointError, readCheckpoint, writeCheckpoint, encodeCheckpoint, decodeCheckpoint,
  CHECKPOINT_MAGIC, CHECKPOINT_FORMAT_VERSION,
} from './training/checkpoint';
export { WriteFailedError } from './util/writeErrors';
export { cosineLearningRate, constantLearningRate, type CosineScheduleOptions } from './training/schedules';
export {
  optimizerInit, optimizerUpdate, optimizerStateToJSON, optimizerStateFromJSON, resolveOptimizerConfig, DEFAULT_OPTIMIZER,
  type OptimizerConfig, type OptimizerState, type OptimizerStateJSON, type OptimizerType, type OptimizerUpdateOptions,
} from './training/optimizer';
export { appliesWeightDecay, isBatchNormStatistic } from './training/weightDecay';
export { clipGradientValues } from './training/gradientClipping';
export { type FunctionModel, type TrainableModel, type TeacherFactory, type ModelHandle } from './training/trainableModel';
export { semiSupervisedObjective, objectiveGradients, type ObjectiveInputs, type ObjectiveOutputs } from './training/trainStep';
export { saveModelFiles, type SavedModelFiles } from './training/saveModelFiles';

// the command line, run from code
export { runCli, type RunCliOptions } from './cli/runCli';
export type { StopRequest, StopSignal } from './cli/stopSignals';
export { runSweep, childProcessLauncher, type CellLauncher, type SweepOptions, type SweepSummary } from './cli/sweep/runSweep';
export { readSweepGrid, parseSweepGrid, STUDY_METRICS, type StudyMetric, type SweepGrid, type SweepCell } from './cli/sweep/sweepGrid';
export { estimatorChoice, pairedDifferences, minorityRecall, writeSweepResults, type EstimatorChoiceRow, type GroupSummary, type PairedDifference } from './cli/sweep/sweepResults';
export type { CellResult } from './cli/sweep/cellResult';
export type { RunSegment } from './cli/provenance';
export type { CellPaths, CellStatus } from './cli/sweep/sweepCells';
export type { EvalNumbers } from './cli/metricsLog';
export type { TrainSettings } from './cli/trainOptions';
export { memoryIo, processIo, type CliIo } from './cli/io';

// data
export * from './data/index';


// backends (Node): selection with fallbacks, data-parallel workers
export {
  selectBackend, polyfillNodeUtil,
  type SelectBackendOptions, type SelectedBackend, type BackendAttempt, type BackendChoice,
} from './backends/selectBackend';
export { tensorBoardWriter, tensorBoardCallbacks, type ScalarWriter } from './backends/tensorBoard';
export {
  installTensorflowTrainingGradients, uninstallTensorflowTrainingGradients, type InstalledTensorflowTrainingGradients,
} from './backends/tensorflow/trainingGradients';
export {
  installFusedBatchNormTraining, uninstallFusedBatchNormTraining, fusedBatchNormTraining, type FusedBatchNormTrainingResult,
} from './backends/tensorflow/fusedBatchNormTraining';
export { installTensorflowTraining, type InstalledTensorflowTraining } from './backends/tensorflow/installTensorflowTraining';
export { installGatherWithoutRead, uninstallGatherWithoutRead, gatherWithoutReadInstalled } from './backends/tensorflow/gatherWithoutRead';
export {
  installOneDnnMaxPoolTraining, uninstallOneDnnMaxPoolTraining, oneDnnMaxPoolTrainingInstalled, oneDnnMaxPool, oneDnnMaxPoolAvailable,
  type OneDnnMaxPoolOptions,
} from './backends/tensorflow/oneDnnMaxPool';
export { installPrunableConv2DTraining, uninstallPrunableConv2DTraining, prunableConv2DTrainingInstalled } from './backends/prunableConv2D';
export {
  installBatchNormTrainingCall, uninstallBatchNormTrainingCall, batchNormTrainingBackends, type BatchNormTraining,
} from './backends/batchNormTrainingCall';
export { composedBatchNormTraining } from './backends/composedBatchNormTraining';
export { explainWasmAbort, isWasmAbort } from './backends/wasm/wasmAbort';
export { setWasmSimdKernels, wasmSimdKernelsEnabled, wasmSimdKernelsActive, wasmSimdKernelsStatus } from './backends/wasm/simd/simdKernels';
export {
  DataParallelGradients, shardSizes, tensorData,
  type DataParallelOptions, type ParallelGradients, type ModuleExport, type TensorData,
} from './backends/parallel/dataParallel';
