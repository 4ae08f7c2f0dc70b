import { execFileSync } from 'node:child_process';
import type { EvalNumbers, MetricsRecord } from '../metricsLog';
import { scrubPaths, type RunSegment } from '../provenance';
import type { SweepCell } from './sweepGrid';

/** A finished cell, as stored in its result.json and as one line of results.jsonl. */
export interface CellResult {
  id: string;
  axes: SweepCell['axes'];
  settings: Record<string, unknown>;
  settingsHash: string;
  /**
   * The commit (and "-dirty" with uncommitted changes) of the code that finished the cell: its last
   * segment's. Earlier segments may have run other code: see {@link CellResult.segments}.
   */
  commit: string;
  /**
   * Every process that trained the cell, oldest first (from its run.json): commit, backend and
   * versions, CPU, load at start and end, wall and CPU seconds. Older cells list what is unknown.
   */
  segments?: RunSegment[];
  finished: string;
  backend: string;
  steps: number;
  /** Test metrics of the last-step models (no model selection on test). */
  test: { ema: EvalNumbers; student: EvalNumbers };
  /**
   * Loss-estimator scores of the last-step student (p) and EMA teacher (p̃) on the labeled validation and
   * test splits (`naiveSpearman`, `candidate.<name>.auroc`, …); absent for cells finished before it was logged.
   */
  heldOut?: { validation?: Record<string, number>; test?: Record<string, number> };
  /** Means over the logged steps of the second half of training (diagnostics never feed the loss). */
  diagnostics: Record<string, number>;
  /** Median seconds per training step (between consecutive step logs of one process; includes validation). */
  secondsPerStep: number;
  /** Summed seconds between consecutive step logs over every session (interrupted sessions included). */
  trainSeconds: number;
}

/** Step-log keys summarised into {@link CellResult.diagnostics}; also every `candidate.*` key. */
export const DIAGNOSTIC_KEYS = [
  'maskRate', 'pseudoLabelAccuracy', 'maskedPseudoLabelAccuracy', 'unmaskedPseudoLabelAccuracy',
  'naiveSpearman', 'naiveAuroc', 'estimateSpearman', 'estimateAuroc',
] as const;

/**
 * Builds a cell's result from its metrics.jsonl records. Throws when the log lacks the final test
 * evaluation of both models at `steps` (the run did not finish).
 */
export function cellResultFrom(
  cell: SweepCell, records: readonly MetricsRecord[],
  meta: { settingsHash: string; commit: string; steps: number; finished?: string; segments?: RunSegment[] },
): CellResult {
  const finalTest = (model: 'ema' | 'student'): EvalNumbers => {
    const r = [...records].reverse().find((x) => x.type === 'eval' && x.split === 'test' && x.model === model && x.step === meta.steps);
    if (r === undefined || r.type !== 'eval') throw new Error(`cell ${cell.id}: metrics.jsonl has no test evaluation of the ${model} model at step ${meta.steps}`);
    const numbers: EvalNumbers = { top1: r.top1, balancedAccuracy: r.balancedAccuracy, macroF1: r.macroF1, macroAuc: r.macroAuc ?? NaN };
    if (Array.isArray(r.recall)) numbers.recall = r.recall.map((x) => (typeof x === 'number' ? x : NaN));
    return numbers;
  };
  const runs = records.filter((r) => r.type === 'run');
  const backend = runs.length > 0 && runs[runs.length - 1].type === 'run' ? String((runs[runs.length - 1] as { backend: string }).backend) : 'unknown';
  const { perStep, total } = stepTiming(records);
  return {
    id: cell.id,
    axes: cell.axes,
    settings: cell.settings as Record<string, unknown>,
    settingsHash: meta.settingsHash,
    commit: meta.commit,
    finished: meta.finished ?? new Date().toISOString(),
    backend: scrubPaths(backend),
    ...(meta.segments === undefined ? {} : { segments: meta.segments }),
    steps: meta.steps,
    test: { ema: finalTest('ema'), student: finalTest('student') },
    ...heldOutScores(records, meta.steps),
    diagnostics: diagnosticsSummary(records, meta.steps),
    secondsPerStep: perStep,
    trainSeconds: total,
  };
}

/** The last `estimators` record of each split at `steps`, numbers only; `{}` when the log has none. */
export function heldOutScores(records: readonly MetricsRecord[], steps: number): Pick<CellResult, 'heldOut'> {
  const heldOut: NonNullable<CellResult['heldOut']> = {};
  for (const r of records) {
    if (r.type !== 'estimators' || r.step !== steps) continue;
    heldOut[r.split] = Object.fromEntries(Object.entries(r).filter(([k, v]) => typeof v === 'number' && k !== 'step')) as Record<string, number>;
  }
  return Object.keys(heldOut).length === 0 ? {} : { heldOut };
}

/**
 * Mean of each diagnostic key over step logs with step > steps/2, skipping missing and non-finite values;
 * and, from the per-class pseudo-label counts (`pl.<count>.<c>`, summed over the same steps),
 * `pseudoLabelPrecision.<c>` = Σcorrect/Σpredicted, `pseudoLabelRecall.<c>` = Σcorrect/Σkept and
 * `pseudoLabelCoverage.<c>` = Σkept/Σactual (a ratio with a zero denominator is left out).
 */
export function diagnosticsSummary(records: readonly MetricsRecord[], steps: number): Record<string, number> {
  const sums = new Map<string, { s: number; n: number }>();
  const counts = new Map<string, number>();
  for (const r of records) {
    if (r.type !== 'step' || r.step <= steps / 2) continue;
    for (const [key, value] of Object.entries(r)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (key.startsWith('pl.')) {
        counts.set(key, (counts.get(key) ?? 0) + value);
        continue;
      }
      if (!((DIAGNOSTIC_KEYS as readonly string[]).includes(key) || key.startsWith('candidate.'))) continue;
      const acc = sums.get(key) ?? { s: 0, n: 0 };
      acc.s += value;
      acc.n += 1;
      sums.set(key, acc);
    }
  }
  const out: Record<string, number> = Object.fromEntries([...sums].map(([k, { s, n }]) => [k, s / n]));
  const classes = new Set([...counts.keys()].map((k) => k.split('.')[2]));
  const ratio = (name: string, num: string, den: string, c: string): void => {
    const d = counts.get(`pl.${den}.${c}`) ?? 0;
    if (d > 0) out[`${name}.${c}`] = (counts.get(`pl.${num}.${c}`) ?? 0) / d;
  };
  for (const c of [...classes].sort((a, b) => Number(a) - Number(b))) {
    ratio('pseudoLabelPrecision', 'correct', 'predicted', c);
    ratio('pseudoLabelRecall', 'correct', 'kept', c);
    ratio('pseudoLabelCoverage', 'kept', 'actual', c);
  }
  return out;
}

/**
 * Seconds per step from consecutive step logs of one process (a 'run' record starts a new process, so
 * the gap across a resume is not counted): the median per-step time and the summed time.
 */
export function stepTiming(records: readonly MetricsRecord[]): { perStep: number; total: number } {
  const rates: number[] = [];
  let total = 0;
  let last: { step: number; t: number } | undefined;
  for (const r of records) {
    if (r.type === 'run') {
      last = undefined;
      continue;
    }
    if (r.type !== 'step') continue;
    const t = Date.parse(r.time);
    if (last !== undefined && r.step > last.step && t >= last.t) {
      const seconds = (t - last.t) / 1000;
      total += seconds;
      rates.push(seconds / (r.step - last.step));
    }
    last = { step: r.step, t };
  }
  return { perStep: median(rates), total };
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `git rev-parse --short HEAD` (+ "-dirty" with uncommitted changes) of `cwd`, or undefined outside git. */
export function currentCommit(cwd: string): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty === '' ? head : `${head}-dirty`;
  } catch {
    return undefined;
  }
}
