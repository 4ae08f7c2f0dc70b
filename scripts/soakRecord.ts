/**
 * The soak's record (`soak/records/*.json`, written by scripts/soak.ts), its verdict, and the summary
 * that `npm run docs:render` puts in docs/reliability.md. Pure: no tfjs, no I/O but reading records.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSegment } from '../src/cli/provenance';

/** One sample, taken after a step (`step` done). */
export interface SoakSample {
  step: number;
  /** tf.memory(): live tensors and their bytes. */
  numTensors: number;
  numBytes: number;
  /** process.memoryUsage(), MiB, after a full garbage collection when the script runs with --expose-gc. */
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  /** Seconds since training started. */
  seconds: number;
}

/** What may grow after warm-up before the soak fails. */
export interface SoakTolerances {
  numTensors: number;
  numBytes: number;
  rssMiB: number;
  heapMiB: number;
}

/** The verdict: growth after warm-up (the later samples' median against the earlier ones'), and why it failed. */
export interface SoakVerdict {
  pass: boolean;
  /** The step from which samples are judged. */
  warmupSteps: number;
  numTensorsGrowth: number;
  numBytesGrowth: number;
  rssGrowthMiB: number;
  heapGrowthMiB: number;
  /** Least-squares slope of RSS over the judged samples, MiB per 1000 steps (informative). */
  rssSlopeMiBPer1000Steps: number;
  failures: string[];
}

export interface SoakRecord {
  kind: 'tear-ssl soak';
  version: 1;
  /** The command that made it, from the repository root. */
  command: string;
  settings: { dataset: string; method: string; model: string; backend: string; steps: number; every: number; batchSize: number; mu: number; evalEvery: number };
  /** Commit, versions, machine, load at the start and end, wall and CPU seconds (src/cli/provenance.ts). */
  segment: RunSegment;
  gcExposed: boolean;
  tolerances: SoakTolerances;
  samples: SoakSample[];
  verdict: SoakVerdict;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round2 = (v: number): number => Math.round(v * 100) / 100;

function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / sxx;
}

/**
 * Judges the samples from `warmupSteps` on: tensors and their bytes must not grow at all (the largest
 * later count against the first judged one); RSS and heap may grow by their tolerance, measured as the
 * median of the last quarter of the judged samples against the median of the first quarter (single
 * samples are noisy: allocator pools, an evaluation's buffers). Needs at least 4 judged samples.
 */
export function soakVerdict(samples: readonly SoakSample[], warmupSteps: number, tolerances: SoakTolerances): SoakVerdict {
  const judged = samples.filter((s) => s.step >= warmupSteps);
  const failures: string[] = [];
  if (judged.length < 4) failures.push(`only ${judged.length} samples after the warm-up of ${warmupSteps} steps (at least 4 needed): more --steps or a smaller --every`);
  const quarter = Math.max(1, Math.floor(judged.length / 4));
  const early = judged.slice(0, quarter);
  const late = judged.slice(-quarter);
  const first = judged[0];
  const numTensorsGrowth = first === undefined ? 0 : Math.max(...judged.map((s) => s.numTensors)) - first.numTensors;
  const numBytesGrowth = first === undefined ? 0 : Math.max(...judged.map((s) => s.numBytes)) - first.numBytes;
  const growth = (key: 'rssMiB' | 'heapUsedMiB'): number => (judged.length === 0 ? 0 : round2(median(late.map((s) => s[key])) - median(early.map((s) => s[key]))));
  const rssGrowthMiB = growth('rssMiB');
  const heapGrowthMiB = growth('heapUsedMiB');
  if (numTensorsGrowth > tolerances.numTensors) {
    const at = judged.find((s) => s.numTensors > first.numTensors + tolerances.numTensors) as SoakSample;
    failures.push(`tf.memory().numTensors grew by ${numTensorsGrowth} after warm-up (${first.numTensors} at step ${first.step}, ${at.numTensors} at step ${at.step}; tolerance ${tolerances.numTensors})`);
  }
  if (numBytesGrowth > tolerances.numBytes) failures.push(`tf.memory().numBytes grew by ${numBytesGrowth} after warm-up (tolerance ${tolerances.numBytes})`);
  if (rssGrowthMiB > tolerances.rssMiB) failures.push(`process RSS grew by ${rssGrowthMiB} MiB after warm-up (median of the last quarter of samples against the first; tolerance ${tolerances.rssMiB} MiB)`);
  if (heapGrowthMiB > tolerances.heapMiB) failures.push(`the JS heap grew by ${heapGrowthMiB} MiB after warm-up (tolerance ${tolerances.heapMiB} MiB)`);
  return {
    pass: failures.length === 0, warmupSteps, numTensorsGrowth, numBytesGrowth, rssGrowthMiB, heapGrowthMiB,
    rssSlopeMiBPer1000Steps: round2(1000 * slope(judged.map((s) => s.step), judged.map((s) => s.rssMiB))),
    failures,
  };
}

/** The soak records under `<root>/soak/records`, oldest first (by file name: the time they were made). */
export function soakRecords(root: string): Array<{ file: string; record: SoakRecord }> {
  const dir = join(root, 'soak', 'records');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => ({ file: join('soak', 'records', f), record: JSON.parse(readFileSync(join(dir, f), 'utf8')) as SoakRecord }));
}

const range = (xs: readonly number[]): string => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
};

/** The generated `soak` block of docs/reliability.md: one row per record, with its verdict. */
export function soakSummaryMarkdown(records: ReadonlyArray<{ file: string; record: SoakRecord }>): string {
  if (records.length === 0) return 'No soak record is committed (soak/records/ is empty): run `npm run soak -- --backend tensorflow --steps 10000`, then `npm run docs:render`.\n';
  const rows = records.map(({ file, record: r }) => {
    const judged = r.samples.filter((s) => s.step >= r.verdict.warmupSteps);
    const seg = r.segment;
    const load = (l: number[] | undefined): string => (l === undefined || l.length === 0 ? '?' : l[0].toFixed(2));
    return `| [${file.split('/').pop()}](../${file}) | ${seg.commit ?? '?'}${seg.dirty ? ' (dirty)' : ''} | ${r.settings.backend} | ${r.settings.method}, ${r.settings.steps} steps, ` +
      `sample every ${r.settings.every} | ${r.verdict.warmupSteps} | ${range(judged.map((s) => s.numTensors))} (${r.verdict.numTensorsGrowth >= 0 ? '+' : ''}${r.verdict.numTensorsGrowth}) | ` +
      `${r.verdict.numBytesGrowth >= 0 ? '+' : ''}${r.verdict.numBytesGrowth} B | ${r.verdict.rssGrowthMiB >= 0 ? '+' : ''}${r.verdict.rssGrowthMiB} MiB (tol. ${r.tolerances.rssMiB}; ` +
      `slope ${r.verdict.rssSlopeMiBPer1000Steps} MiB/1000 steps) | ${r.verdict.heapGrowthMiB >= 0 ? '+' : ''}${r.verdict.heapGrowthMiB} MiB | ${load(seg.load?.start)} → ${load(seg.load?.end)} | ` +
      `${r.verdict.pass ? 'pass' : `**fail**: ${r.verdict.failures.join('; ')}`} |`;
  });
  return [
    '| record | commit | backend | run | judged from step | tensors after warm-up (growth) | tensor bytes growth | RSS growth | heap growth | load (1 min) before → after | verdict |',
    '|---|---|---|---|---:|---|---:|---|---:|---|---|',
    ...rows,
    '',
  ].join('\n');
}
