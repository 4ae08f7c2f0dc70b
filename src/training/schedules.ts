import { checkNumber } from '../util/checks';

/** Learning-rate schedule options: `cycles` is the 7/16 of FixMatch's cosine. */
export interface CosineScheduleOptions {
  /** Base learning rate `lr` (the release: 1e-3 on ISIC, 0.03 for FixMatch on CIFAR). */
  learningRate: number;
  /** Total number of optimisation steps `K`. */
  totalSteps: number;
  /** Linear warm-up steps `W` (0: none). */
  warmupSteps?: number;
  /** Fraction of a half period traversed over the run: 7/16 gives `cos(7πk/(16K))`. */
  cycles?: number;
}

/**
 * Per-step learning rate, a pure function of the step `k` (0-based):
 * - no warm-up: `lr · cos(cycles · π · k / K)`, cycles = 7/16 (FixMatch, the TEAR release);
 * - warm-up `W > 0`: `lr · k / W` for `k < W`, then `lr · cos(cycles · π · (k − W) / (K − W))`.
 * Steps past K are clamped to K.
 */
export function cosineLearningRate(step: number, opts: CosineScheduleOptions): number {
  const fn = 'cosineLearningRate';
  checkNumber(step, 'step', fn, { min: 0, integer: true });
  checkNumber(opts.learningRate, 'learningRate', fn, { min: 0 });
  checkNumber(opts.totalSteps, 'totalSteps', fn, { min: 1, integer: true });
  const warmup = opts.warmupSteps ?? 0;
  const cycles = opts.cycles ?? 7 / 16;
  checkNumber(warmup, 'warmupSteps', fn, { min: 0, max: opts.totalSteps, maxOpen: true, integer: true });
  checkNumber(cycles, 'cycles', fn, { min: 0 });
  const k = Math.min(step, opts.totalSteps);
  if (k < warmup) return (opts.learningRate * k) / warmup;
  const progress = (k - warmup) / (opts.totalSteps - warmup);
  return opts.learningRate * Math.cos(cycles * Math.PI * progress);
}

/** Constant learning rate (the schedule `'constant'`). */
export function constantLearningRate(_step: number, opts: { learningRate: number }): number {
  return opts.learningRate;
}
