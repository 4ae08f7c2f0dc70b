/**
 * The demo's recipe and its result table, without I/O (the browser page in web/ uses them too):
 * `demoFlags` gives each method's settings, `demoTable` the table and verdict.
 */
import type { TrainOutcome } from './trainCommand';
import type { BackendName, MethodName } from './trainOptions';

export interface DemoOptions {
  /** Seconds-long smoke run: a few steps, tiny batches (the numbers mean nothing). */
  quick: boolean;
  backend: BackendName;
  seed: number;
  /** Steps per method (default: the preset's). */
  steps?: number;
  /** Keep each method's run folder (metrics, checkpoint, report) under this folder. */
  out?: string;
}

export interface DemoRow {
  method: MethodName;
  outcome: TrainOutcome;
}

/** What `demoTable` reads of one method's result: the backend, the train time and the test numbers. */
export interface DemoTableRow {
  method: MethodName;
  outcome: Pick<TrainOutcome, 'backend' | 'seconds' | 'test'>;
}

/** The three methods the demo compares, with one model, seed, budget and step count. */
export const DEMO_METHODS: readonly MethodName[] = ['supervised', 'fixmatch', 'tear'];

/**
 * The demo's settings: digits, 50 labels (5 per class), 100 validation and 360 test images held out
 * class-balanced, small CNN, batch 16 + 4·16 unlabeled, lr 0.03 cosine, EMA 0.999 with warm-up
 * (a short run), evaluation every 100 steps. `quick` shrinks it to a smoke test.
 */
export function demoFlags(opts: DemoOptions, method: MethodName, out: string): Record<string, unknown> {
  const preset = opts.quick
    ? { steps: 2, batchSize: 4, mu: 1, evalEvery: 0, checkpointEvery: 0, logEvery: 1 }
    : { steps: 400, batchSize: 16, mu: 4, evalEvery: 100, checkpointEvery: 0, logEvery: 25 };
  return {
    dataset: 'digits', labels: 50, validation: 100, test: 360, method, lr: 0.03, emaWarmup: true,
    ...preset, ...(opts.steps === undefined ? {} : { steps: opts.steps }),
    seed: opts.seed, backend: opts.backend, out, progress: !opts.quick,
  };
}

const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');

/** The demo's result table and verdict lines (pure, so the wording is tested). */
export function demoTable(rows: readonly DemoTableRow[], seconds: number, quick = false): string[] {
  const name: Record<string, string> = { supervised: 'supervised only', fixmatch: 'FixMatch', tear: 'TEAR (FixMatch + AdaPL + IPH)' };
  const lines = [
    '',
    `Test set: 360 held-out digits (36 per class); EMA model after the last step; backend ${rows[0]?.outcome.backend ?? '–'}.`,
    '',
    '| method | test top-1 | balanced acc. | macro-F1 | student top-1 | train time |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const { method, outcome } of rows) {
    const t = outcome.test;
    const time = outcome.seconds < 10 ? outcome.seconds.toFixed(1) : outcome.seconds.toFixed(0);
    lines.push(`| ${name[method] ?? method} | ${pct(t.ema.top1)} | ${pct(t.ema.balancedAccuracy)} | ${pct(t.ema.macroF1)} | ${pct(t.student.top1)} | ${time} s |`);
  }
  lines.push('');
  const top1 = (m: MethodName) => rows.find((r) => r.method === m)?.outcome.test.ema.top1;
  const best = [...rows].sort((a, b) => b.outcome.test.ema.top1 - a.outcome.test.ema.top1)[0];
  const tied = rows.filter((r) => r.outcome.test.ema.top1 === best?.outcome.test.ema.top1);
  if (best) {
    lines.push(tied.length > 1
      ? `Result: a tie at ${pct(best.outcome.test.ema.top1)} test top-1 between ${tied.map((r) => name[r.method]).join(' and ')}.`
      : `Result: ${name[best.method]} won, with ${pct(best.outcome.test.ema.top1)} test top-1.`);
  }
  const compare = (a: MethodName, b: MethodName) => {
    const x = top1(a);
    const y = top1(b);
    if (x === undefined || y === undefined) return;
    const diff = 100 * (x - y);
    lines.push(diff > 0
      ? `- ${name[a]} beat ${name[b]} by ${diff.toFixed(1)} points.`
      : `- ${name[a]} did NOT beat ${name[b]} here (${diff === 0 ? 'equal' : `${diff.toFixed(1)} points`}).`);
  };
  compare('fixmatch', 'supervised');
  compare('tear', 'fixmatch');
  lines.push(quick
    ? `--quick: ${rows.length} runs of a few steps in ${seconds.toFixed(1)} s, a smoke test; these accuracies are noise. Run without --quick for the comparison.`
    : `One seed, ${rows.length} runs in ${seconds.toFixed(0)} s in total; differences of a few points on 360 test images are within seed-to-seed noise.`);
  return lines;
}
