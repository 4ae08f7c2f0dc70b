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
