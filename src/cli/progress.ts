import cliProgress from 'cli-progress';
import type { CliIo } from './io';

/** The numbers one progress update shows; absent ones are left out. */
export interface StepStats {
  loss?: number;
  supervisedLoss?: number;
  unlabeledLoss?: number;
  /** The method's extra terms by name (iph, …). */
  terms?: Record<string, number>;
  /** Fraction of unlabeled samples above the confidence threshold. */
  maskRate?: number;
}

/** Shows training progress: a live bar on a terminal, otherwise one line every `logEvery` steps. */
export interface ProgressReporter {
  /** `startStep` > 0 when resuming. */
  start(totalSteps: number, startStep: number): void;
  /** After step `step` (1-based count of finished steps). */
  update(step: number, stats: StepStats): void;
  /** A message printed without breaking the bar (evaluation results, checkpoints). */
  log(line: string): void;
  stop(): void;
}

const fixed = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

/** "1h02m", "3m05s", "12s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

/** The text of one progress line (also the bar's right-hand side). */
export function formatStepLine(step: number, total: number, stats: StepStats, imagesPerSecond: number, etaSeconds: number): string {
  const parts = [`step ${step}/${total}`, `loss ${fixed(stats.loss)}`];
  const detail = [
    stats.supervisedLoss !== undefined ? `sup ${fixed(stats.supervisedLoss)}` : undefined,
    stats.unlabeledLoss !== undefined ? `unl ${fixed(stats.unlabeledLoss)}` : undefined,
    ...Object.entries(stats.terms ?? {}).map(([name, v]) => `${name} ${fixed(v)}`),
  ].filter((s) => s !== undefined);
  if (detail.length > 0) parts[1] += ` (${detail.join(', ')})`;
  if (stats.maskRate !== undefined) parts.push(`mask ${fixed(stats.maskRate, 2)}`);
  parts.push(`${imagesPerSecond.toFixed(1)} img/s`, `ETA ${formatDuration(etaSeconds)}`);
  return parts.join(' | ');
}

/**
 * Creates the reporter for `io`: a cli-progress bar when `io.progressStream` is set and `live` is true,
 * otherwise plain lines every `logEvery` steps (and at the last step).
 * `imagesPerStep` (B + μB distinct training images) turns step times into images per second.
 */
export function createProgressReporter(io: CliIo, opts: { live: boolean; logEvery: number; imagesPerStep: number; label?: string }): ProgressReporter {
  let total = 0;
  let firstStep = 0;
  let startedAt = 0;
  const rate = (step: number) => {
    const seconds = (performance.now() - startedAt) / 1000;
    const done = step - firstStep;
    const stepsPerSecond = seconds > 0 ? done / seconds : 0;
    return { imagesPerSecond: stepsPerSecond * opts.imagesPerStep, eta: stepsPerSecond > 0 ? (total - step) / stepsPerSecond : Number.NaN };
  };
  const prefix = opts.label ? `${opts.label} ` : '';

  if (opts.live && io.progressStream) {
    const stream = io.progressStream;
    const multi = new cliProgress.MultiBar({
      stream,
      format: `${prefix}[{bar}] {text}`,
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 5,
    }, cliProgress.Presets.shades_classic);
    let bar: cliProgress.SingleBar | undefined;
    let active = false;
    return {
      start(totalSteps, startStep) {
        total = totalSteps;
        firstStep = startStep;
        startedAt = performance.now();
        bar = multi.create(totalSteps, startStep, { text: `step ${startStep}/${totalSteps}` });
        active = true;
      },
      update(step, stats) {
        const r = rate(step);
        bar?.update(step, { text: formatStepLine(step, total, stats, r.imagesPerSecond, r.eta) });
      },
      log(line) {
        if (active) multi.log(`${line}\n`);
        else io.out(line);
      },
      stop() {
        if (!active) return;
        multi.update(); // writes the buffered log lines, which stop() alone would drop
        multi.stop();
        active = false;
      },
    };
  }

  return {
    start(totalSteps, startStep) {
      total = totalSteps;
      firstStep = startStep;
      startedAt = performance.now();
    },
    update(step, stats) {
      if (step % opts.logEvery !== 0 && step !== total) return;
      const r = rate(step);
      io.out(`${prefix}${formatStepLine(step, total, stats, r.imagesPerSecond, r.eta)}`);
    },
    log(line) {
      io.out(line);
    },
    stop() {},
  };
}
