import type { AdaplMask } from '../math/adaplLoss';
import type { AdaplEstimator } from '../math/estimators';
import type { IphReference } from '../math/iphLoss';
import type { EstimatorDistance } from '../math/lossEstimator';
import type { RelaxSpread } from '../math/relaxPseudoLabels';
import type { OptimizerConfig } from './optimizer';

/**
 * The trainer config's types and vocabularies, apart from its resolution (config.ts): components under
 * algorithms/ read these without importing the registry that config.ts needs, so the import graph has no
 * cycle (an import-cycle check in the tests keeps it so).
 */

/**
 * Names the algorithm registry declares (registry.ts adds `method: MethodName` by declaration merging):
 * the components under algorithms/ import this file, so it cannot import the registry without a cycle.
 */
export interface RegisteredNames {}

/** A method name: `MethodName`, the union type derived from the algorithm registry (one of TRAINING_METHODS). */
export type TrainingMethod = RegisteredNames extends { method: infer M } ? M : string;

/** Temporal references for AdaPL/IPH: the EMA teacher, the previous-step model, or a per-sample memory (docs/method.md §6). */
export const REFERENCES = ['ema', 'previous', 'memory'] as const;
/** Temporal reference p̃, f̃: the EMA teacher, the previous step's model (momentum 0), or a per-sample memory (AdaPL only). */
export type ReferenceKind = (typeof REFERENCES)[number];

/** Targets of distribution alignment: the uniform distribution (the TEAR release) or the labeled class prior (ReMixMatch). */
export const DA_TARGETS = ['uniform', 'labeled'] as const;
/** q̂ ∝ q / mean(queue) ('uniform') or q̂ ∝ q · π / mean(queue) with π = `classPrior` ('labeled'). */
export type DaTarget = (typeof DA_TARGETS)[number];

/** Supervised losses: plain cross-entropy, or the logit-adjusted one (Menon et al., ICLR 2021). */
export const SUPERVISED_LOSSES = ['cross-entropy', 'logit-adjusted'] as const;
/** A supervised loss: one of SUPERVISED_LOSSES. */
export type SupervisedLossKind = (typeof SUPERVISED_LOSSES)[number];

/** Every numeric setting of a run. JSON-safe: it is stored in checkpoints and compared on load. */
export type TrainerConfig = {
  method: TrainingMethod;
  numClasses: number;
  /** K, the schedule's length; `run()` stops here. */
  totalSteps: number;
  seed: number;
  learningRate: number;
  schedule: 'cosine' | 'constant';
  warmupSteps: number;
  /** The cosine's 7/16. */
  cosineCycles: number;
  optimizer: OptimizerConfig;
  /** Gradient value clipping ±c, or null for none. */
  clipGradients: number | null;
  threshold: number;
  lambdaU: number;
  lambdaIph: number;
  distributionAlignment: { enabled: boolean; capacity: number; target: DaTarget };
  /** L_s: cross-entropy, or CE(y, softmax(z + τ·log π)) with π = `classPrior` ('logit-adjusted'). */
  supervisedLoss: { kind: SupervisedLossKind; tau: number };
  /**
   * π, the labeled set's class marginal [C] (sums to 1, every entry > 0), or null. Needed by
   * distributionAlignment.target 'labeled' and supervisedLoss 'logit-adjusted'; the CLI sets it from the labeled split.
   */
  classPrior: number[] | null;
  ema: { momentum: number; warmup: boolean };
  reference: ReferenceKind;
  adapl: {
    gamma: number; wMin: number; distance: EstimatorDistance; entropy: boolean;
    spread: RelaxSpread; mask: AdaplMask;
    /** 'temporal' (default): L̂ = D(p̃, p) + H(p̃) with `distance`, `entropy`; 'ensemble': −log ½(p̃ + p)_ŷ; 'confidence': −log max p. */
    estimator: AdaplEstimator;
  };
  /** Temporal memory (reference 'memory'): numSamples = size of the unlabeled index space. */
  memory: { numSamples: number; momentum: number };
  iph: {
    numClusters: number; reference: IphReference;
    kmeans: { restarts: number; maxIterations: number; tolerance: number };
  };
  evalEvery: number;
};

/** Every field optional, recursively (plain objects only). */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
