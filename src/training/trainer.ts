import * as tf from '@tensorflow/tfjs';
import type { Augment } from '../augment/types';
import { explainWasmAbort } from '../backends/wasm/wasmAbort';
import { asLabeledSource, asUnlabeledSource, type XsYs } from '../data/fromDataset';
import type { LabeledBatch, UnlabeledBatch } from '../data/types';
import { maskRate, pseudoLabelAccuracy, pseudoLabelClassCountLogs, pseudoLabelClassCounts } from '../metrics/sslDiagnostics';
import { estimatorDiagnostics } from './estimatorDiagnostics';
import { emaMomentum, type EmaState } from '../state/ema';
import { withDropoutSeed } from '../models/seededDropout';
import { deriveSeed } from '../state/random';
import { disposeState } from '../state/serialize';
import { check, checkValuesInRange } from '../util/checks';
import { deferValueChecks } from '../util/valueChecks';
import { resolveMethod, stepLogDefaults, type MethodRecipe } from './algorithms/registry';
import type { ComponentContext, ComponentState, ReferenceModels } from './algorithms/types';
import {
  dispatchCallbacks, fromLayersCallback, isLayersStyleCallback,
  type EvalMetrics, type LayersStyleCallback, type StepLogs, type TrainerCallbacks,
} from './callbacks';
import {
  buildCheckpointPayload, checkpointConfig, PAYLOAD_SOURCE, readCheckpointPayload, restoreCheckpointState, type CheckpointPayload,
} from './checkpointPayload';
import { checkpointStorage } from './checkpointStorage';
import { resolveTrainerConfig, type TrainerConfig, type TrainerConfigInput } from './config';
import { clipGradientValues } from './gradientClipping';
import { evaluateModels } from './evaluateModels';
import type { OptimizerState, optimizerUpdate } from './optimizer';
import { constantLearningRate, cosineLearningRate } from './schedules';
import { buildTeacher, disposeModel, modelHandle, type ModelHandle, type TeacherFactory, type TrainableModel } from './trainableModel';
import { DivergenceError, firstNonFinite } from './divergence';
import { objectiveGradients } from './trainStep';
import { emaComponent, optimizerComponent, weightsByKey, type EmaComponent, type OptimizerComponent } from './trainerStates';
import { appliesWeightDecay } from './weightDecay';

/** A batch stream, or a factory that starts the stream at batch `startStep` (used on resume). */
export type BatchSource<T> = AsyncIterable<T> | ((startStep: number) => AsyncIterable<T>);

/**
 * Labeled training data: a BatchSource, a `tf.data.Dataset` of `{xs, ys}` batches (repeated; see
 * labeledBatchesFrom), or an async iterable of `{xs, ys}` batches.
 */
export type LabeledSource = BatchSource<LabeledBatch> | tf.data.Dataset<XsYs> | AsyncIterable<LabeledBatch | XsYs>;

/**
 * Unlabeled training data: a BatchSource, a `tf.data.Dataset` of `{xs}` batches (repeated; see
 * unlabeledBatchesFrom), or an async iterable of `{xs}` batches (sample ids: positions in the stream).
 */
export type UnlabeledSource = BatchSource<UnlabeledBatch> | tf.data.Dataset<XsYs> | AsyncIterable<UnlabeledBatch | XsYs>;

/**
 * Finite validation batches, or a factory returning them (called once per evaluation); a
 * `tf.data.Dataset` of `{xs, ys}` batches (one pass per evaluation) or an (async) iterable of them.
 */
export type ValidationSource =
  | AsyncIterable<LabeledBatch | XsYs> | Iterable<LabeledBatch | XsYs> | tf.data.Dataset<XsYs>
  | (() => AsyncIterable<LabeledBatch> | Iterable<LabeledBatch>);

/** The parts of a run that are code, not numbers: they are not stored in checkpoints. */
export interface TrainerSetup {
  /** tf.LayersModel with outputs [logits, features], or a FunctionModel. */
  model: TrainableModel;
  /** Builds another model of the same architecture (required for function models). */
  createTeacher?: TeacherFactory;
  labeled: LabeledSource;
  /** Needed by every method but 'supervised' (which never reads it). */
  unlabeled?: UnlabeledSource;
  validation?: ValidationSource;
  /** Weak augmentation of labeled and unlabeled images (default: identity). */
  weakAugment?: Augment;
  /** Strong augmentation of unlabeled images (required by every method but 'supervised'). */
  strongAugment?: Augment;
  /** Applied after augmentation and to validation images (e.g. mean/std normalisation). */
  preprocess?: (images: tf.Tensor4D) => tf.Tensor4D;
  /**
   * The trainer's callbacks and/or tfjs-layers-style ones (`tf.CustomCallback`,
   * `tf.callbacks.earlyStopping({ monitor: 'val_acc' })`, tfjs-vis `fitCallbacks`): onBatchEnd per step,
   * onEpochEnd per evaluation, `model.stopTraining = true` ends `run()` (see LayersStyleCallback).
   */
  callbacks?: TrainerCallbacks | LayersStyleCallback | Array<TrainerCallbacks | LayersStyleCallback>;
}

export interface TrainerOptions extends TrainerSetup {
  config: TrainerConfigInput;
}

/** Purposes for deriveSeed(seed, step, purpose): every random draw of step k is a function of (seed, k). */
export const SEED_PURPOSE = { weakLabeled: 1, weakUnlabeled: 2, strongUnlabeled: 3, kmeans: 4, dropout: 5 } as const;

interface BuiltModel {
  model: TrainableModel;
  handle: ModelHandle;
}

const identity = (x: tf.Tensor4D): tf.Tensor4D => x;

/** What continuing a saved run needs: the setup (model, data, augmentations) and, optionally, another `evalEvery`. */
export type ResumeSetup = TrainerSetup & { config?: { evalEvery?: number } };

/**
 * FixMatch / AdaPL / IPH / TEAR training of a model on labeled and unlabeled batch streams.
 * Build with `SemiSupervisedTrainer.create(options)`; continue a saved run with
 * `SemiSupervisedTrainer.fromCheckpoint(payload, setup)` (any environment) or
 * `SemiSupervisedTrainer.resume(file, setup)` (Node, `tear-ssl`). See docs/trainer.md.
 */
export class SemiSupervisedTrainer {
  readonly config: TrainerConfig;
  /**
   * Set to true (by a callback, as tfjs-layers' early stopping does on `model.stopTraining`) to end
   * `run()` after the current step; `run()` clears it when it starts.
   */
  stopTraining = false;
  private readonly setup: TrainerSetup;
  private readonly callbacks: TrainerCallbacks[];
  private readonly student: ModelHandle;
  /** Stable per-position keys `v<i>` for the student's variables (tfjs renames variables on every build). */
  private readonly keys: string[];
  private readonly trainableKeys: string[];
  /** Keys of the variables the forward pass updates itself (batch-norm moving statistics). */
  private readonly nonTrainableKeys: string[];
  private readonly nameOfKey: Map<string, string>;
  /** The EMA teacher model (its weights: state 'ema'). */
  private readonly teacher: BuiltModel;
  /** The spare model a reference source that asked for one (the previous-step model) runs its forward on. */
  private readonly spare: BuiltModel | undefined;
  /** The method's components, resolved once from the config. */
  private readonly recipe: MethodRecipe;
  /** The trainer's own state components: the EMA teacher's weights and the optimizer's slots. */
  private readonly emaComponent: EmaComponent;
  private readonly optimizerComponent: OptimizerComponent;
  /** Every state component: 'ema', 'optimizer', then the method's (alignment, masker, terms, reference source). */
  private readonly components: ComponentState<unknown>[];
  /** Every component state by key; the trainer saves, restores, swaps and disposes them without knowing what they are. */
  private states: Record<string, unknown>;
  private stepCount = 0;
  private iterators: { labeled?: AsyncIterator<LabeledBatch>; unlabeled?: AsyncIterator<UnlabeledBatch> } = {};
  private disposed = false;

  private constructor(setup: TrainerSetup, config: TrainerConfig, recipe: MethodRecipe, teacher: BuiltModel, spare: BuiltModel | undefined) {
    this.setup = setup;
    this.config = config;
    const given = setup.callbacks === undefined ? [] : Array.isArray(setup.callbacks) ? setup.callbacks : [setup.callbacks];
    const control = { totalSteps: config.totalSteps, evalEvery: config.evalEvery, stop: () => { this.stopTraining = true; } };
    this.callbacks = given.map((cb) => (isLayersStyleCallback(cb, tf.Callback) ? fromLayersCallback(cb, control) : cb as TrainerCallbacks));
    this.student = modelHandle(setup.model);
    this.keys = this.student.variables.map((_, i) => `v${i}`);
    const trainableIds = new Set(this.student.trainable.map((v) => v.id));
    this.trainableKeys = this.keys.filter((_, i) => trainableIds.has(this.student.variables[i].id));
    this.nonTrainableKeys = this.keys.filter((_, i) => !trainableIds.has(this.student.variables[i].id));
    this.nameOfKey = new Map(this.keys.map((k, i) => [k, this.student.variables[i].name]));
    this.teacher = teacher;
    this.spare = spare;
    this.recipe = recipe;
    const names = { keys: this.keys, trainableKeys: this.trainableKeys, nameOfKey: this.nameOfKey };
    this.emaComponent = emaComponent(names);
    this.optimizerComponent = optimizerComponent(names);
    this.components = [this.emaComponent, this.optimizerComponent, ...recipe.states] as ComponentState<unknown>[];
    const taken = recipe.states.find((c) => c.key === 'ema' || c.key === 'optimizer');
    check(taken === undefined, 'SemiSupervisedTrainer', () => `method '${config.method}': a component keeps state under '${taken?.key}', the trainer's own key`);
    this.states = {};
    const ctx = this.componentContext();
    for (const component of this.components) this.states[component.key] = component.init(ctx);
  }

  /** Checks the options, builds the EMA teacher (and a spare model when the reference source asks for one). */
  static async create(options: TrainerOptions): Promise<SemiSupervisedTrainer> {
    const fn = 'SemiSupervisedTrainer';
    check(options !== null && typeof options === 'object', fn, () => 'argument \'options\' must be an object');
    const config = resolveTrainerConfig(options.config);
    const recipe = resolveMethod(config);
    checkSetup(options, config, recipe);
    const teacher = await buildTeacher(options.model, options.createTeacher);
    const spare = recipe.reference?.spareModel ? await buildTeacher(options.model, options.createTeacher) : undefined;
    return new SemiSupervisedTrainer(normalizeSources(options, config), config, recipe, teacher, spare);
  }

  /**
   * Continues the run a checkpoint payload holds (`trainer.checkpoint()`'s result, or one read from
   * anywhere): the config comes from the payload (only `evalEvery` may be overridden); `setup` supplies
   * the model (any weights: they are overwritten), data factories and augmentations. Data factories are
   * called with the saved step. Errors are CheckpointError naming `opts.source` (default 'checkpoint
   * payload') and the field at fault.
   */
  static async fromCheckpoint(payload: unknown, setup: ResumeSetup, opts: { source?: string } = {}): Promise<SemiSupervisedTrainer> {
    const source = opts.source ?? PAYLOAD_SOURCE;
    const checked = readCheckpointPayload(payload, source);
    const config = checkpointConfig(checked, setup.config ?? {}, source);
    const trainer = await SemiSupervisedTrainer.create({ ...setup, config });
    try {
      trainer.restore(checked, source);
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    return trainer;
  }

  /**
   * Continues the run saved in `file` (Node: `tear-ssl` installs the file storage; see checkpointStorage.ts):
   * `SemiSupervisedTrainer.fromCheckpoint` of the payload read from it, errors naming the file.
   */
  static async resume(file: string, setup: ResumeSetup): Promise<SemiSupervisedTrainer> {
    const payload = await checkpointStorage('SemiSupervisedTrainer.resume').read(file);
    return SemiSupervisedTrainer.fromCheckpoint(payload, setup, { source: file });
  }

  /** Steps completed so far (the next step's index). */
  get step(): number {
    return this.stepCount;
  }

  /** The EMA model (inference copy whose weights are the EMA state). */
  get emaModel(): TrainableModel {
    return this.teacher.model;
  }

  /** Learning rate of step k under the configured schedule. */
  learningRate(step: number): number {
    const c = this.config;
    return c.schedule === 'constant'
      ? constantLearningRate(step, c)
      : cosineLearningRate(step, { learningRate: c.learningRate, totalSteps: c.totalSteps, warmupSteps: c.warmupSteps, cycles: c.cosineCycles });
  }

  /**
   * Runs steps until `untilStep` (default config.totalSteps), or until `stopTraining` is set, and returns their
   * logs. Each step's logs stay in memory until `run` returns (a few KiB per step, more with per-class counts):
   * for long runs pass `{ keepLogs: false }` (an empty array is returned) and read the logs in `onStepEnd`, as
   * the CLI does.
   */
  async run(untilStep = this.config.totalSteps, options: { keepLogs?: boolean } = {}): Promise<StepLogs[]> {
    this.checkAlive();
    const keepLogs = options.keepLogs ?? true;
    const history: StepLogs[] = [];
    this.stopTraining = false;
    await dispatchCallbacks(this.callbacks, 'onTrainBegin', this.stepCount);
    while (this.stepCount < untilStep && !this.stopTraining) {
      const logs = await this.trainStep();
      if (keepLogs) history.push(logs);
    }
    await dispatchCallbacks(this.callbacks, 'onTrainEnd', this.stepCount);
    return history;
  }

  /** One optimisation step; calls onStepEnd (and onEvalEnd every evalEvery steps). */
  async trainStep(): Promise<StepLogs> {
    this.checkAlive();
    const c = this.config;
    const k = this.stepCount;
    const unlabeledUsed = this.recipe.unlabeled;
    const labeled = await this.nextBatch('labeled');
    const unlabeled = unlabeledUsed ? await this.nextBatch('unlabeled') : undefined;
    const owned: tf.Tensor[] = [labeled.images, labeled.labels, ...(labeled.indices ? [labeled.indices] : [])];
    if (unlabeled) owned.push(unlabeled.images, unlabeled.indices, ...(unlabeled.labels ? [unlabeled.labels] : []));
    try {
      this.checkNeeds(labeled); // inside the try: a refused step still disposes its batches
      if (!this.idsChecked && unlabeled !== undefined && this.config.memory.numSamples > 0) {
        // once per trainer: the hot path does not read ids back, so a source with ids outside the memory is refused here
        checkValuesInRange(unlabeled.indices, 'unlabeled batch indices', 'SemiSupervisedTrainer', { min: 0, max: this.config.memory.numSamples, maxOpen: true });
        this.idsChecked = true;
      }
      const lr = this.learningRate(k);
      const weak = this.setup.weakAugment ?? ((x: tf.Tensor4D) => x);
      const strong = this.setup.strongAugment ?? ((x: tf.Tensor4D) => x);
      const prep = this.setup.preprocess ?? identity;
      const seed = (purpose: number): number => deriveSeed(c.seed, k, purpose);
      const views = tf.tidy(() => ({
        weakLabeled: prep(weak(labeled.images, seed(SEED_PURPOSE.weakLabeled))),
        weakUnlabeled: unlabeled && prep(weak(unlabeled.images, seed(SEED_PURPOSE.weakUnlabeled))),
        strongUnlabeled: unlabeled && prep(strong(unlabeled.images, seed(SEED_PURPOSE.strongUnlabeled))),
      }));
      for (const t of [views.weakLabeled, views.weakUnlabeled, views.strongUnlabeled]) if (t !== undefined) owned.push(t);
      const reference = this.referenceForward(views.weakUnlabeled);
      if (reference) owned.push(reference.probs, reference.features);

      // Statistics the training forward updates in place (BN moving mean/variance): restored if the step diverges.
      const statistics = this.nonTrainableKeys.map((key) => tf.clone(this.studentWeights()[key]));
      let outputs: ReturnType<typeof objectiveGradients>['outputs'];
      let update: ReturnType<SemiSupervisedTrainer['optimizerStep']>;
      try {
        // Dropout masks (SeededDropout layers) are drawn from (seed, step), like every other random draw.
        // value-reading argument checks are deferred to this boundary: the ids below, the divergence check after
        const objective = withDropoutSeed(seed(SEED_PURPOSE.dropout), () => deferValueChecks(() => objectiveGradients({
          student: this.student, config: c, recipe: this.recipe,
          weakLabeled: views.weakLabeled, labels: labeled.labels,
          weakUnlabeled: views.weakUnlabeled, strongUnlabeled: views.strongUnlabeled,
          reference, indices: unlabeled?.indices, states: this.states,
          kmeansSeed: seed(SEED_PURPOSE.kmeans), step: k, labeledIndices: labeled.indices,
        })));
        outputs = objective.outputs;
        update = this.optimizerStep(objective.grads, lr);
        tf.dispose(Object.values(objective.grads));
        // Nothing of the step is applied until the loss, the updated weights and the statistics are known finite.
        const bad = await firstNonFinite({
          'the loss': outputs.total,
          ...Object.fromEntries(Object.entries(update.params).map(([key, t]) => [`weight '${this.nameOfKey.get(key)}' after the update`, t])),
          ...Object.fromEntries(this.nonTrainableKeys.map((key) => [`statistic '${this.nameOfKey.get(key)}'`, this.studentWeights()[key]])),
        });
        if (bad !== undefined) {
          tf.dispose(Object.values(update.params));
          disposeState(update.state.slots);
          for (const [key, state] of Object.entries(outputs.states)) if (this.states[key] !== state) disposeState(state);
          disposeState({ ...outputs, states: undefined });
          throw new DivergenceError(k, bad);
        }
      } catch (e) {
        const variables = this.studentWeights() as Record<string, tf.Variable>;
        this.nonTrainableKeys.forEach((key, i) => variables[key].assign(statistics[i]));
        throw e;
      } finally {
        tf.dispose(statistics);
      }
      const emaMomentumUsed = emaMomentum(this.emaState.step, c.ema.momentum, c.ema.warmup);
      this.commitUpdate(update);
      this.updateEma();
      this.swapStates(outputs.states);
      const logs = await this.stepLogs(outputs, unlabeled, lr, emaMomentumUsed, reference?.probs);
      disposeState({ ...outputs, states: undefined });
      this.stepCount = k + 1;
      await dispatchCallbacks(this.callbacks, 'onStepEnd', k, logs);
      if (c.evalEvery > 0 && this.setup.validation !== undefined && this.stepCount % c.evalEvery === 0) {
        const metrics = await this.evaluate();
        await dispatchCallbacks(this.callbacks, 'onEvalEnd', k, metrics);
      }
      return logs;
    } catch (e) {
      const images = labeled.images.shape[0] + 2 * (unlabeled?.images.shape[0] ?? 0);
      throw explainWasmAbort(e, `tear-ssl.SemiSupervisedTrainer: step ${k} (${images} images of ${labeled.images.shape.slice(1).join('×')})`) ?? e;
    } finally {
      tf.dispose(owned);
    }
  }

  /** Classification report of the student and of the EMA model (inference mode) on the validation source. */
  async evaluate(): Promise<EvalMetrics> {
    this.checkAlive();
    const source = this.setup.validation;
    check(source !== undefined, 'SemiSupervisedTrainer.evaluate', () => 'no \'validation\' source was given');
    const batches = (typeof source === 'function' ? source() : source) as AsyncIterable<LabeledBatch>;
    const [student, ema] = await evaluateModels(
      [(x) => this.student.forward(x, false).logits, (x) => this.teacher.handle.forward(x, false).logits],
      batches, this.config.numClasses, { preprocess: this.setup.preprocess },
    );
    return { student, ema };
  }

  /**
   * Every piece of the run's state as a JSON-safe payload (tensors as SerializedTensor): what a
   * checkpoint file stores (see docs/trainer.md, "Checkpoints"). `metadata` (JSON) is stored as its
   * `metadata` field for the caller to read back. `SemiSupervisedTrainer.fromCheckpoint(payload, setup)`
   * continues the run, `restoreCheckpoint(payload)` loads it into this trainer.
   */
  async checkpoint(opts: { metadata?: Record<string, unknown> } = {}): Promise<CheckpointPayload> {
    this.checkAlive();
    return buildCheckpointPayload({
      config: this.config, step: this.stepCount, variables: this.student.variables,
      components: this.components, states: this.states, metadata: opts.metadata,
    });
  }

  /**
   * Loads a checkpoint payload into this trainer; its config must equal this trainer's (except `evalEvery`).
   * On any error (CheckpointError naming `opts.source` and the field) the trainer is left unchanged.
   * The data streams restart at the loaded step.
   */
  restoreCheckpoint(payload: unknown, opts: { source?: string } = {}): void {
    this.checkAlive();
    const source = opts.source ?? PAYLOAD_SOURCE;
    this.restore(readCheckpointPayload(payload, source), source);
  }

  /**
   * Writes `checkpoint(opts)` to `file` atomically (Node: `tear-ssl` installs the file storage).
   * `metadata` is read back with `readCheckpoint(file).metadata`. Refuses (NonFiniteCheckpointError)
   * a state holding NaN or ±Inf, leaving whatever `file` held.
   */
  async save(file: string, opts: { metadata?: Record<string, unknown> } = {}): Promise<void> {
    this.checkAlive();
    const storage = checkpointStorage('SemiSupervisedTrainer.save');
    await storage.write(file, await this.checkpoint(opts));
  }

  /**
   * Loads the checkpoint in `file` into this trainer (Node: `tear-ssl` installs the file storage):
   * `restoreCheckpoint` of its payload, errors naming the file.
   */
  async load(file: string): Promise<void> {
    this.checkAlive();
    const payload = await checkpointStorage('SemiSupervisedTrainer.load').read(file);
    this.restoreCheckpoint(payload, { source: file });
  }

  /** Frees the EMA teacher, the spare model and every state tensor (not the student model). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.closeIterators();
    disposeModel(this.teacher.model);
    if (this.spare) disposeModel(this.spare.model);
    disposeState(this.states);
  }

  private componentContext(): ComponentContext {
    return { config: this.config, studentVariables: this.student.variables };
  }

  /** p̃, f̃ of this step from the method's reference source, when it reads a model (new tensors), else undefined. */
  private referenceForward(weakUnlabeled: tf.Tensor4D | undefined): { probs: tf.Tensor2D; features: tf.Tensor2D } | undefined {
    const source = this.recipe.reference;
    if (source?.forward === undefined || weakUnlabeled === undefined) return undefined;
    const models: ReferenceModels = { teacher: this.teacher.handle, spare: this.spare?.handle };
    return source.forward(weakUnlabeled, models, this.states[source.state?.key as string]);
  }

  /** The EMA teacher's state. */
  private get emaState(): EmaState {
    return this.states.ema as EmaState;
  }

  /** The optimizer's state. */
  private get optimizerState(): OptimizerState {
    return this.states.optimizer as OptimizerState;
  }

  /** Takes the components' next states, disposing the ones they replace. */
  private swapStates(next: Record<string, unknown>): void {
    for (const [key, state] of Object.entries(next)) {
      if (this.states[key] !== state) disposeState(this.states[key]);
      this.states[key] = state;
    }
  }

  private studentWeights(): Record<string, tf.Tensor> {
    return weightsByKey(this.keys, this.student.variables);
  }

  /** Clip and optimizer update: the new parameters and optimizer state, not yet applied (commitUpdate does). */
  private optimizerStep(gradsByName: Record<string, tf.Tensor>, lr: number): ReturnType<typeof optimizerUpdate> {
    const c = this.config;
    const byKey: Record<string, tf.Tensor> = {};
    this.trainableKeys.forEach((k) => {
      const g = gradsByName[this.nameOfKey.get(k) as string];
      if (g !== undefined) byKey[k] = g;
    });
    const grads = c.clipGradients === null ? byKey : clipGradientValues(byKey, c.clipGradients);
    const update = this.optimizerComponent.update(this.optimizerState, this.componentContext(), grads, {
      learningRate: lr, decays: (key) => appliesWeightDecay(this.nameOfKey.get(key) as string),
    });
    if (grads !== byKey) tf.dispose(Object.values(grads));
    return update;
  }

  /** Assigns the new parameters and takes the new optimizer state. */
  private commitUpdate(update: ReturnType<typeof optimizerUpdate>): void {
    const variables = this.studentWeights() as Record<string, tf.Variable>;
    for (const [k, value] of Object.entries(update.params)) variables[k].assign(value);
    tf.dispose(Object.values(update.params));
    disposeState(this.optimizerState.slots);
    this.states.optimizer = update.state;
  }

  /** EMA update over every student variable (BN moving statistics copied), then the teacher takes the EMA weights. */
  private updateEma(): void {
    const next = this.emaComponent.update(this.emaState, this.student.variables, this.config);
    disposeState(this.emaState);
    this.states.ema = next;
    this.assignTeacher();
  }

  private assignTeacher(): void {
    this.teacher.handle.variables.forEach((v, i) => v.assign(this.emaState.weights[this.keys[i]]));
  }

  private async stepLogs(
    outputs: ReturnType<typeof objectiveGradients>['outputs'], unlabeled: UnlabeledBatch | undefined, lr: number, emaMomentumUsed: number,
    referenceProbs: tf.Tensor2D | undefined,
  ): Promise<StepLogs> {
    // one read for every number of the logs: the losses, each term, and the mask
    const termNames = Object.keys(outputs.terms);
    const packed = tf.tidy(() => tf.concat([
      tf.stack([outputs.total, outputs.supervised, outputs.unlabeled, ...termNames.map((n) => outputs.terms[n])]).toFloat(),
      ...(outputs.mask ? [outputs.mask.toFloat()] : []),
    ]));
    const numbers = await packed.data();
    packed.dispose();
    const [loss, supervised, unl] = numbers;
    const terms = Object.fromEntries(termNames.map((name, i) => [name, numbers[3 + i]]));
    const mask = outputs.mask ? numbers.subarray(3 + termNames.length) : undefined;
    // each extra term logs its own value under its name; stepLogDefaults gives those every method's logs carry (StepLogs.iph)
    const logs = {
      loss, supervised, unlabeled: unl, ...stepLogDefaults(), ...terms, maskRate: mask ? maskRate(mask) : 0, lr, emaMomentum: emaMomentumUsed,
    } as StepLogs;
    if (unlabeled?.labels && outputs.pseudoLabels && mask) {
      const hidden = await unlabeled.labels.data();
      const pseudo = await outputs.pseudoLabels.data();
      logs.pseudoLabelAccuracy = pseudoLabelAccuracy(pseudo, hidden);
      logs.maskedPseudoLabelAccuracy = pseudoLabelAccuracy(pseudo, hidden, mask);
      logs.unmaskedPseudoLabelAccuracy = pseudoLabelAccuracy(pseudo, hidden, mask.map((m) => (m > 0 ? 0 : 1)));
      Object.assign(logs, pseudoLabelClassCountLogs(pseudoLabelClassCounts(pseudo, hidden, mask, this.config.numClasses)));
      if (outputs.studentProbs) {
        Object.assign(logs, await estimatorDiagnostics({
          studentProbs: outputs.studentProbs, referenceProbs, estimates: outputs.estimates,
          pseudo, hidden, numClasses: this.config.numClasses,
        }));
      }
    }
    return logs;
  }

  /** A component that declared 'labeledIds' needs a labeled source that gives sample ids: said before the step runs, naming it. */
  private checkNeeds(labeled: LabeledBatch): void {
    const needing = this.recipe.needs.labeledIds;
    if (needing !== undefined && labeled.indices === undefined) {
      throw new Error(`tear-ssl.SemiSupervisedTrainer: method '${this.config.method}': component '${needing}' needs labeled sample ids, ` +
        'but the labeled batches carry no \'indices\' (give LabeledBatch.indices from the labeled source: labeledBatches does not; ' +
        'batchIndicesAt(indices, batchSize, seed, k) gives the ids of its batch k)');
    }
  }

  /** Whether the unlabeled sample ids of a batch were checked against memory.numSamples (once per trainer). */
  private idsChecked = false;

  private async nextBatch(which: 'labeled'): Promise<LabeledBatch>;
  private async nextBatch(which: 'unlabeled'): Promise<UnlabeledBatch>;
  private async nextBatch(which: 'labeled' | 'unlabeled'): Promise<LabeledBatch | UnlabeledBatch> {
    let iterator = this.iterators[which] as AsyncIterator<LabeledBatch | UnlabeledBatch> | undefined;
    if (iterator === undefined) {
      const source = this.setup[which] as BatchSource<LabeledBatch | UnlabeledBatch>;
      const iterable = typeof source === 'function' ? source(this.stepCount) : source;
      iterator = iterable[Symbol.asyncIterator]();
      if (which === 'labeled') this.iterators.labeled = iterator as AsyncIterator<LabeledBatch>;
      else this.iterators.unlabeled = iterator as AsyncIterator<UnlabeledBatch>;
    }
    const r = await iterator.next();
    check(r.done !== true, 'SemiSupervisedTrainer', () => `the '${which}' source ended at step ${this.stepCount}; batch sources must be endless`);
    return r.value;
  }

  private async closeIterators(): Promise<void> {
    const its = [this.iterators.labeled, this.iterators.unlabeled];
    this.iterators = {};
    for (const it of its) await it?.return?.();
  }

  /** Builds every state from `payload` first (checkpointPayload.ts), then swaps them in: an error leaves the trainer as it was. */
  private restore(payload: CheckpointPayload, source: string): void {
    const restored = restoreCheckpointState(payload, {
      config: this.config, variables: this.student.variables, components: this.components, context: this.componentContext(),
    }, source);
    this.student.variables.forEach((v, i) => v.assign(restored.variables[i]));
    tf.dispose(restored.variables);
    disposeState(this.states);
    this.states = restored.states;
    this.assignTeacher();
    this.stepCount = restored.step;
    void this.closeIterators();
  }

  private checkAlive(): void {
    check(!this.disposed, 'SemiSupervisedTrainer', () => 'this trainer has been disposed');
  }
}

/** Sources given as tf.data Datasets or iterables of `{xs, ys}` become batch sources the trainer iterates (src/data/fromDataset.ts). */
function normalizeSources(options: TrainerSetup, config: TrainerConfig): TrainerSetup {
  const c = config.numClasses;
  return {
    ...options,
    labeled: asLabeledSource(options.labeled as Parameters<typeof asLabeledSource>[0], c, true) as BatchSource<LabeledBatch>,
    unlabeled: options.unlabeled === undefined ? undefined
      : asUnlabeledSource(options.unlabeled as Parameters<typeof asUnlabeledSource>[0], c) as BatchSource<UnlabeledBatch>,
    validation: options.validation === undefined ? undefined
      : asLabeledSource(options.validation as Parameters<typeof asLabeledSource>[0], c, false) as ValidationSource,
  };
}

function checkSetup(options: TrainerSetup, config: TrainerConfig, recipe: MethodRecipe): void {
  const fn = 'SemiSupervisedTrainer';
  const isDataset = (s: object): boolean => s instanceof tf.data.Dataset
    || (typeof (s as { iterator?: unknown }).iterator === 'function' && typeof (s as { batch?: unknown }).batch === 'function');
  const isSource = (s: unknown): boolean => typeof s === 'function'
    || (s !== null && typeof s === 'object' && (typeof (s as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || isDataset(s)));
  check(isSource(options.labeled), fn, () => 'option \'labeled\' must be an AsyncIterable of LabeledBatch or {xs, ys}, a tf.data.Dataset, or a factory (startStep) => AsyncIterable');
  if (options.validation !== undefined) {
    const v = options.validation;
    check(isSource(v) || (v !== null && typeof v === 'object' && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function'), fn,
      () => 'option \'validation\' must be an (async) iterable of batches, a tf.data.Dataset, or a factory returning one');
  }
  if (recipe.unlabeled) {
    check(isSource(options.unlabeled), fn, () => `method '${config.method}' needs option 'unlabeled' (an AsyncIterable of UnlabeledBatch or {xs}, a tf.data.Dataset, or a factory)`);
    check(typeof options.strongAugment === 'function', fn, () => `method '${config.method}' needs option 'strongAugment' (images, seed) => images`);
  }
  for (const name of ['weakAugment', 'strongAugment', 'preprocess'] as const) {
    const f = options[name];
    check(f === undefined || typeof f === 'function', fn, () => `option '${name}' must be a function`);
  }
}
