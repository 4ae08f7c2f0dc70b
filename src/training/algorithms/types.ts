import type * as tf from '@tensorflow/tfjs';
import type { TrainerConfig } from '../configTypes';
import type { ConfigSection } from '../optionSchema';
import type { ModelHandle } from '../trainableModel';

/**
 * What a component may read when it builds or restores its state: the run's config and the student's
 * variables in the trainer's fixed order (see ModelHandle.variables).
 */
export interface ComponentContext {
  config: TrainerConfig;
  studentVariables: readonly tf.Tensor[];
}

/**
 * State one component carries from step to step, Optax style: `init` builds it, the component's own
 * pure step function returns the next one with tensors of its own (it never disposes nor shares its
 * input's: the trainer disposes the old state after the swap), `toJSON`/`fromJSON` round-trip
 * it through a checkpoint. The trainer keeps every active component's state in one map under `key`
 * and saves, restores, swaps and disposes them without knowing what they are.
 */
export interface ComponentState<S> {
  /** The state's name in the trainer's map and in the checkpoint's `states` object. */
  readonly key: string;
  /** The initial state for a run. */
  init(ctx: ComponentContext): S;
  /** The state as JSON-safe data, for checkpoints. */
  toJSON(state: S): Promise<unknown>;
  /** Rebuilds and checks a state against `ctx`; throws an error naming the field at fault. */
  fromJSON(json: unknown, ctx: ComponentContext): S;
}

/** Component states by key, as the trainer holds them. */
export type StateMap = Readonly<Record<string, unknown>>;

/**
 * The step context: what one step knows, built once by the objective and handed to every component
 * (USB's `train_step` locals, as data). Tensors with gradient are marked; every other tensor is a
 * constant of the step. A component reads what it declares in `needs` (checked when the method is
 * resolved and, for data-dependent fields, on the first step).
 */
export interface UnlabeledStep {
  config: TrainerConfig;
  /** k, this step's 0-based index, and K = config.totalSteps. */
  step: number;
  totalSteps: number;
  /** A seed for this step's draws of `purpose` (deriveSeed(config.seed, k, purposeId(purpose))): a component's own randomness. */
  seed(purpose: string): number;
  /** The labeled batch: logits z(weak(x)) [B,C] (with gradient), their softmax [B,C] (constant), features [B,d] (with gradient), labels int32 [B], sample ids int32 [B] when the source gives them. */
  labeled: { logits: tf.Tensor2D; probs: tf.Tensor2D; features: tf.Tensor2D; labels: tf.Tensor1D; ids?: tf.Tensor1D };
  /** L_s, the supervised loss of this step (with gradient: use `detach` for a constant). */
  supervisedLoss: tf.Scalar;
  /** z(weak(u)) [U,C], a constant. */
  weakLogits: tf.Tensor2D;
  /** q = softmax(z(weak(u))) before alignment [U,C], no gradient. */
  studentProbs: tf.Tensor2D;
  /** z(strong(u)) [U,C]: the unlabeled loss's only input with gradient. */
  strongLogits: tf.Tensor2D;
  /** f(weak(u)) [U,d], with gradient (IPH). */
  studentFeatures: tf.Tensor2D;
  /** f(strong(u)) [U,d], with gradient. */
  strongFeatures: tf.Tensor2D;
  /** Reference model outputs on weak(u) (inference mode), when the method needs them. */
  reference?: { probs: tf.Tensor2D; features: tf.Tensor2D };
  /** Unlabeled sample ids int32 [U]. */
  indices?: tf.Tensor1D;
  /** Seed of this step's k-means (IPH). */
  kmeansSeed: number;
  /** Every component state at the start of the step. */
  states: StateMap;
}

/** The step context under its general name (UnlabeledStep is kept for existing components). */
export type StepContext = UnlabeledStep;

/**
 * What a component may declare it reads beyond what every step has: sample ids of the labeled batch
 * (the labeled source must give `indices`), sample ids of the unlabeled batch (config `memory.numSamples`),
 * or the reference model's forward.
 */
export type ContextNeed = 'labeledIds' | 'unlabeledIds' | 'referenceModel';

/** A component's step result: its tensors, and its next state when it has one. */
export type WithState<T, S> = T & { state?: S };

/** Rewrites the weak-view probabilities before pseudo-labelling (distribution alignment). */
export interface Alignment<S = unknown> {
  readonly name: string;
  /** Step-context fields it reads beyond the always-present ones. */
  readonly needs?: readonly ContextNeed[];
  readonly state: ComponentState<S>;
  /** Whether the config turns it on (default: always). */
  enabled?(config: TrainerConfig): boolean;
  /** q [U,C] → aligned q̂ [U,C] and the next state. */
  align(step: UnlabeledStep, probs: tf.Tensor2D, state: S): { probs: tf.Tensor2D; state: S };
}

/** Which pseudo labels count, and how much: FixMatch's fixed threshold, FlexMatch's class-wise thresholds, … */
export interface Masker<S = unknown> {
  readonly name: string;
  /** Step-context fields it reads beyond the always-present ones. */
  readonly needs?: readonly ContextNeed[];
  readonly state?: ComponentState<S>;
  /** From aligned probabilities q̂ [U,C]: per-sample weights m [U] in [0,1] (no gradient) and hard labels ŷ int32 [U]. */
  mask(step: UnlabeledStep, probs: tf.Tensor2D, state: S): WithState<{ mask: tf.Tensor1D; pseudoLabels: tf.Tensor1D }, S>;
}

/** The target distribution each unlabeled sample is trained towards: one-hot ŷ, AdaPL's relaxed label, … */
export interface TargetBuilder {
  readonly name: string;
  /** Step-context fields it reads beyond the always-present ones. */
  readonly needs?: readonly ContextNeed[];
  /** Whether it reads the temporal reference p̃. */
  readonly usesReference: boolean;
  /** Targets t [U,C] (no gradient) from q̂ and ŷ; `estimates` L̂ [U] for AdaPL's diagnostics. */
  targets(step: UnlabeledStep, probs: tf.Tensor2D, pseudoLabels: tf.Tensor1D, referenceProbs: tf.Tensor2D | undefined): {
    targets: tf.Tensor2D; estimates?: tf.Tensor1D;
  };
}

/** What an extra term sees besides the step: the unlabeled objective's pieces. */
export interface UnlabeledPieces {
  probs: tf.Tensor2D;
  mask: tf.Tensor1D;
  pseudoLabels: tf.Tensor1D;
  /** The masker's state after this step's update, if it has one. */
  maskerState?: unknown;
}

/** An additional loss term λ·L added to the total: IPH, FreeMatch's fairness term, … */
export interface ExtraTerm<S = unknown> {
  /** Its name in StepLogs (e.g. 'iph'). */
  readonly name: string;
  /**
   * The value its StepLogs field takes in methods without this term; undefined: the field is absent
   * there (IPH gives 0, so `StepLogs.iph` is in every method's logs). See stepLogDefaults.
   */
  readonly logWhenAbsent?: number;
  /** Step-context fields it reads beyond the always-present ones. */
  readonly needs?: readonly ContextNeed[];
  readonly state?: ComponentState<S>;
  /** Whether it needs the reference model's forward (probabilities and features). */
  readonly usesReferenceModel: boolean;
  /** λ of the term. */
  weight(config: TrainerConfig): number;
  /** The term's loss for this step (and its next state). */
  loss(step: UnlabeledStep, pieces: UnlabeledPieces, state: S): WithState<{ loss: tf.Scalar }, S>;
}

/** The models a reference source may run its forward on: the EMA teacher, and a spare copy of the student when it asked for one. */
export interface ReferenceModels {
  /** The EMA teacher (its weights are the 'ema' state). */
  teacher: ModelHandle;
  /** A model of the student's architecture the source loads its own weights into (present when `spareModel` is true). */
  spare?: ModelHandle;
}

/**
 * The temporal reference p̃ (and f̃): the EMA teacher, the previous-step model, or a per-sample memory.
 * A source that reads a model runs its own forward on weak(u) before the objective (`forward`): the
 * trainer asks it for p̃, f̃ without knowing which kind it is, and builds a spare model when it asks.
 */
export interface ReferenceSource<S = unknown> {
  readonly name: string;
  readonly state?: ComponentState<S>;
  /** Whether p̃, f̃ come from a model forward (`forward` is defined; false: from the state alone). */
  readonly usesModel: boolean;
  /** Whether its forward needs a spare model of the student's architecture (ReferenceModels.spare). */
  readonly spareModel?: boolean;
  /**
   * p̃ = softmax(z) [U,C] and f̃ [U,d] on weak(u) in inference mode, as new tensors (the trainer
   * disposes them after the step); defined when `usesModel`.
   */
  forward?(weakUnlabeled: tf.Tensor4D, models: ReferenceModels, state: S): { probs: tf.Tensor2D; features: tf.Tensor2D };
  /** p̃ [U,C] for this step. */
  probs(step: UnlabeledStep, state: S): tf.Tensor2D;
  /** The next state from the student's variables before this step's training forward (which moves batch-norm statistics). */
  beforeForward?(studentVariables: readonly tf.Tensor[], state: S): S;
  /** The next state from this step's outputs. */
  update?(step: UnlabeledStep, state: S): S;
}

/**
 * A semi-supervised algorithm as a record of components (USB's shape): the registry lists these under
 * their names, and `resolveMethod` combines one with the AdaPL targets and the IPH term.
 */
export interface Algorithm {
  readonly name: string;
  /** One line for --help and the docs. */
  readonly description: string;
  /** A paper reference for the docs. */
  readonly reference?: string;
  /** False for 'supervised': no unlabeled batch, no unlabeled objective. */
  readonly unlabeled: boolean;
  readonly masker?: Masker;
  /** Default one-hot ŷ. */
  readonly targets?: TargetBuilder;
  readonly terms?: readonly ExtraTerm[];
  /**
   * The alignment of q before masking: 'config' (default) follows `config.distributionAlignment`
   * (the TEAR release's DA queue), 'none' never aligns, or the algorithm's own (SoftMatch's).
   */
  readonly alignment?: Alignment | 'config' | 'none';
  /**
   * Rewrites the strong-view logits z [U,C] the unlabeled loss reads (DebiasPL's adaptive marginal loss);
   * `states` are the component states after this step's alignment and masking. Default: z as it is.
   */
  strongLogits?(step: UnlabeledStep, logits: tf.Tensor2D, states: StateMap): tf.Tensor2D;
  /**
   * The config section this algorithm adds (`defineSection`): its options with defaults, bounds, help
   * and CLI flags, from which the config checks, the CLI and the docs tables derive.
   */
  readonly config?: ConfigSection;
  /** Checks across the whole config when this algorithm is the method's (e.g. a required sample count). */
  check?(config: TrainerConfig, fn: string): void;
  /** Whether its state is per unlabeled sample id: the config then needs `memory.numSamples` (the CLI sets it). */
  readonly usesSampleIds?: boolean;
}

export type { ConfigSection, OptionEntry, OptionFlag, OptionKind } from '../optionSchema';
