import type { ClassificationReport } from '../metrics/classificationReport';

/**
 * Numbers logged after each step. Loss terms are the values that entered the total:
 * loss = supervised + λu·unlabeled + λiph·iph. Diagnostic fields appear only when the unlabeled
 * batch carries hidden labels; they never feed the loss.
 */
export interface StepLogs {
  loss: number;
  supervised: number;
  unlabeled: number;
  /** The IPH term's value, logged by the IPH component (ExtraTerm.logWhenAbsent: 0 in methods without it). */
  iph: number;
  /** Fraction of unlabeled samples whose pseudo label passed the threshold (mask mean). */
  maskRate: number;
  /** Learning rate used by this step. */
  lr: number;
  /** EMA momentum used by this step's EMA update. */
  emaMomentum: number;
  /** Hidden-label diagnostics (src/metrics/sslDiagnostics.ts): pseudo-label accuracy over all samples and over the masked-in ones. */
  pseudoLabelAccuracy?: number;
  maskedPseudoLabelAccuracy?: number;
  /** The same over masked-out samples (mask = 0). */
  unmaskedPseudoLabelAccuracy?: number;
  /**
   * Estimator diagnostics (src/training/estimatorDiagnostics.ts): Spearman's ρ between a score and the
   * true per-sample loss −log p(y), and its AUROC for wrong pseudo labels; for the AdaPL estimate L̂
   * (`estimate…`), the naive 1 − max p (`naive…`), and with a reference `candidate.<name>.spearman|auroc`.
   */
  estimateSpearman?: number;
  estimateAuroc?: number;
  naiveSpearman?: number;
  naiveAuroc?: number;
  [key: string]: number | undefined;
}

/** Evaluation of the student and the EMA model on the validation source (src/metrics classificationReport). */
export interface EvalMetrics {
  student: ClassificationReport;
  ema: ClassificationReport;
}

/** tfjs-layers-style callbacks; each may return a promise, which the trainer awaits. `step` is 0-based. */
export interface TrainerCallbacks {
  /** Called when `run` starts, with the index of the first step it will take. */
  onTrainBegin?: (step: number) => void | Promise<void>;
  /** Called after each step with that step's index and its logs. */
  onStepEnd?: (step: number, logs: StepLogs) => void | Promise<void>;
  /** Called after each evaluation (every `evalEvery` steps) with the step's index and the metrics. */
  onEvalEnd?: (step: number, metrics: EvalMetrics) => void | Promise<void>;
  /** Called when `run` ends, with the number of steps done. */
  onTrainEnd?: (step: number) => void | Promise<void>;
}

/**
 * A tfjs-layers-style callback: a `tf.CustomCallback`, `tf.callbacks.earlyStopping(…)`, tfjs-vis's
 * `fitCallbacks`, or any object with these methods. The trainer has steps and evaluations where
 * `model.fit` has batches and epochs, so: `onBatchEnd(step, logs)` after each step (logs: the step's
 * StepLogs), `onEpochEnd(evaluation, logs)` after each evaluation (logs below), `onTrainBegin`,
 * `onTrainEnd`. Setting `model.stopTraining = true` (what early stopping does) ends `run()` after the
 * current step.
 *
 * `onTrainBegin(logs)` and `onTrainEnd(logs)` are called too when the object has them (they are left
 * out of this type so that the trainer's own `onTrainBegin(step)` keeps its parameter type).
 *
 * The evaluation logs: `val_acc` (EMA model top-1), `val_balanced_acc`, `val_macro_f1`, `val_auc`,
 * `val_student_acc`, `step` (steps done), plus the last step's logs (`loss`, …). There is no
 * `val_loss`: monitor `val_acc` (early stopping's default monitor is `val_loss`).
 */
export interface LayersStyleCallback {
  /**
   * Receives an object `{ stopTraining }` whose `stopTraining = true` ends the run (tfjs-layers passes
   * the model; typed `never` so that tf.Callback, which expects a Container, fits). An object with a
   * `model` field (every tf.Callback) gets it assigned there instead.
   */
  setModel?(model: never): void;
  /** Receives `{ epochs, steps }`: the number of evaluations planned and the total steps. */
  setParams?(params: Record<string, unknown>): void;
  /** Called after each step with its 0-based index and its logs. */
  onBatchEnd?(batch: number, logs?: Record<string, number>): unknown;
  /** Called after each evaluation with its 0-based index and the evaluation logs. */
  onEpochEnd?(epoch: number, logs?: Record<string, number>): unknown;
}

/** What the trainer lets a layers-style callback control. */
export interface TrainingControl {
  /** Steps the run will take in total and evaluations it will make (for setParams). */
  totalSteps: number;
  evalEvery: number;
  /** Ends the run after the current step. */
  stop(): void;
}

/**
 * True for a tfjs-layers-style callback: an instance of tf.Callback, or an object with `onBatchEnd`,
 * `onEpochEnd` or `setModel` and without the trainer's own `onStepEnd`/`onEvalEnd`.
 */
export function isLayersStyleCallback(cb: unknown, callbackClass?: abstract new (...args: never[]) => unknown): cb is LayersStyleCallback {
  if (cb === null || typeof cb !== 'object') return false;
  if (callbackClass !== undefined && cb instanceof callbackClass) return true;
  const o = cb as Record<string, unknown>;
  const layersMethod = ['onBatchEnd', 'onEpochEnd', 'setModel'].some((k) => typeof o[k] === 'function');
  return layersMethod && typeof o.onStepEnd !== 'function' && typeof o.onEvalEnd !== 'function';
}

/** Finite numbers of a log record (tfjs-layers logs hold numbers only). */
function numbers(logs: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(logs).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

/** The evaluation logs a layers-style `onEpochEnd` receives (see LayersStyleCallback). */
export function evaluationLogs(step: number, metrics: EvalMetrics, lastStep: StepLogs | undefined): Record<string, number> {
  return numbers({
    ...(lastStep ?? {}),
    step: step + 1,
    val_acc: metrics.ema.accuracy,
    val_balanced_acc: metrics.ema.balancedAccuracy,
    val_macro_f1: metrics.ema.macroF1,
    val_auc: metrics.ema.rocAuc,
    val_student_acc: metrics.student.accuracy,
  });
}

/**
 * Wraps a layers-style callback as TrainerCallbacks: onTrainBegin → setModel, setParams, onTrainBegin;
 * onStepEnd → onBatchEnd; onEvalEnd → onEpochEnd (the evaluation's index, evaluationLogs); onTrainEnd →
 * onTrainEnd. `control.stop()` runs when the callback sets `model.stopTraining = true`.
 */
export function fromLayersCallback(cb: LayersStyleCallback, control: TrainingControl): TrainerCallbacks {
  let evaluations = 0;
  let lastStep: StepLogs | undefined;
  const model = {
    get stopTraining(): boolean {
      return false;
    },
    set stopTraining(value: boolean) {
      if (value) control.stop();
    },
  };
  return {
    onTrainBegin: async () => {
      // tf.Callback.setModel accepts only a LayersModel; its `model` field is what early stopping writes to
      if ('model' in cb) (cb as { model: unknown }).model = model;
      else (cb.setModel as ((m: unknown) => void) | undefined)?.call(cb, model);
      cb.setParams?.({ epochs: control.evalEvery > 0 ? Math.floor(control.totalSteps / control.evalEvery) : 0, steps: control.totalSteps });
      await (cb as { onTrainBegin?: (logs: object) => unknown }).onTrainBegin?.({});
    },
    onStepEnd: async (step, logs) => {
      lastStep = logs;
      await cb.onBatchEnd?.(step, numbers(logs));
    },
    onEvalEnd: async (step, metrics) => {
      await cb.onEpochEnd?.(evaluations++, evaluationLogs(step, metrics, lastStep));
    },
    onTrainEnd: async () => {
      await (cb as { onTrainEnd?: (logs: object) => unknown }).onTrainEnd?.({});
    },
  };
}

type Event = keyof TrainerCallbacks;

/** Calls `event` on every callback object in order, awaiting each. */
export async function dispatchCallbacks<E extends Event>(
  callbacks: readonly TrainerCallbacks[], event: E, ...args: Parameters<NonNullable<TrainerCallbacks[E]>>
): Promise<void> {
  for (const cb of callbacks) {
    const f = cb[event] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (f !== undefined) await f.apply(cb, args);
  }
}
