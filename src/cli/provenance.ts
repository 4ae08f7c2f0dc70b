import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { packageRoot, packageVersion } from '../data/packageRoot';

/**
 * One process's share of a run: `tear-ssl train` started at `startStep` (0, or the step of the
 * checkpoint it resumed from) and, unless it was cut off, ended at `endStep`. A resumed run has one
 * segment per process, so a cell that ran its first steps on older code says so.
 *
 * Every field but the steps and the start time may be absent. `unknown` lists what was not recorded:
 * segments of cells finished before segments were recorded carry only what their metrics.jsonl still
 * shows (see scripts/migrateStudyRecords.ts).
 */
export interface RunSegment {
  startStep: number;
  /** The last step this segment finished; absent when the process was cut off (a later segment resumed). */
  endStep?: number;
  /** ISO times of the segment's first record and of its end. */
  started: string;
  finished?: string;
  /** `git rev-parse --short=12 HEAD` of the tear-ssl checkout that ran; absent outside git (an npm install). */
  commit?: string;
  /** Whether that checkout had uncommitted changes in src/, package.json or package-lock.json. */
  dirty?: boolean;
  /** The backend and why it was picked (`tensorflow (@tensorflow/tfjs-node; libtensorflow 2.21.0, CPU)`). */
  backend?: string;
  versions?: { tearSsl: string; tfjs: string; node: string };
  host?: { cpuModel: string; cores: number; platform: string; arch: string; memoryGiB: number };
  /** 1-, 5- and 15-minute load averages of the machine when the segment started and ended. */
  load?: { start: number[]; end?: number[] };
  /** Seconds from the start to the end of training in this process (data loading excluded). */
  wallSeconds?: number;
  /** CPU seconds (user + system, all threads) this process spent over the same span. */
  cpuSeconds?: number;
  /** Names of the fields above that were not recorded for this segment (older cells). */
  unknown?: string[];
  /** Where the known fields of an older segment come from, e.g. "metrics.jsonl timestamps". */
  source?: string;
}

/** A segment's start, as recorded before its first step, plus what {@link endSegment} needs. */
export interface OpenSegment {
  segment: RunSegment;
  wallStart: number;
  cpuStart: NodeJS.CpuUsage;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** The machine's load averages, two decimals. */
export const loadAverage = (): number[] => os.loadavg().map(round2);

/** Records the start of a segment now: commit, versions, host, load. */
export function startSegment(startStep: number, backend: string): OpenSegment {
  const git = gitState(safePackageRoot());
  const cpus = os.cpus();
  const segment: RunSegment = {
    startStep,
    started: new Date().toISOString(),
    ...(git === undefined ? {} : git),
    backend: scrubPaths(backend),
    versions: { tearSsl: safeVersion(), tfjs: tf.version_core, node: process.version },
    host: {
      cpuModel: (cpus[0]?.model ?? 'unknown').trim(), cores: cpus.length, platform: os.platform(), arch: os.arch(),
      memoryGiB: round2(os.totalmem() / 2 ** 30),
    },
    load: { start: loadAverage() },
  };
  return { segment, wallStart: performance.now(), cpuStart: process.cpuUsage() };
}

/** The segment with its end filled in: end step and time, load, wall and CPU seconds. */
export function endSegment(open: OpenSegment, endStep: number): RunSegment {
  const cpu = process.cpuUsage(open.cpuStart);
  return {
    ...open.segment,
    endStep,
    finished: new Date().toISOString(),
    load: { start: open.segment.load?.start ?? [], end: loadAverage() },
    wallSeconds: round2((performance.now() - open.wallStart) / 1000),
    cpuSeconds: round2((cpu.user + cpu.system) / 1e6),
  };
}

/**
 * The segments of a run after one more starts at `startStep`: earlier segments that started at or
 * after it are dropped (their steps are trained again, as metrics.jsonl drops their lines).
 */
export function withSegment(previous: readonly RunSegment[] | undefined, next: RunSegment): RunSegment[] {
  return [...(previous ?? []).filter((s) => s.startStep < next.startStep), next];
}

/** The commit of a git checkout and whether its code has uncommitted changes; undefined outside git. */
export function gitState(dir: string | undefined): { commit: string; dirty: boolean } | undefined {
  if (dir === undefined) return undefined;
  try {
    const run = (args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = run(['rev-parse', '--short=12', 'HEAD']);
    const dirty = run(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'package.json', 'package-lock.json']) !== '';
    return { commit, dirty };
  } catch {
    return undefined;
  }
}

function safePackageRoot(): string | undefined {
  try {
    return packageRoot();
  } catch {
    return undefined;
  }
}

function safeVersion(): string {
  try {
    return packageVersion();
  } catch {
    return 'unknown';
  }
}

/** Prefixes of folders that name a machine's system install, the same on every machine with the package: kept absolute. */
export const SYSTEM_PATH_PREFIXES = ['/usr/', '/opt/', '/etc/', '/lib/', '/bin/'] as const;

/**
 * A path as a record stores it: relative to `folder` (posix separators) when it is absolute, else
 * unchanged; system install paths (`/usr/share/datasets/…`, see {@link SYSTEM_PATH_PREFIXES}) stay absolute.
 */
export function recordPath(path: string, folder: string): string {
  if (!isAbsolute(path) || SYSTEM_PATH_PREFIXES.some((p) => path.startsWith(p))) return path;
  const rel = relative(resolve(folder), path);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/** The inverse of {@link recordPath}: a relative recorded path resolved against `folder`. */
export function resolveRecordedPath(path: string, folder: string): string {
  return isAbsolute(path) ? path : resolve(folder, path);
}

/** Settings keys that hold paths (files or folders). */
export const PATH_SETTINGS = ['out', 'resume', 'data', 'tensorboard', 'config'] as const;

/**
 * `settings` with its path values stored relative to `folder` (see {@link recordPath}); a relative value
 * is relative to the working directory (as the CLI reads it) and is rebased onto `folder`.
 */
export function recordSettings<T extends object>(settings: T, folder: string): T {
  const out = { ...settings } as Record<string, unknown>;
  for (const key of PATH_SETTINGS) {
    const v = out[key];
    if (typeof v === 'string' && v !== '') out[key] = recordPath(resolve(v), folder);
  }
  return out as T;
}

/** `settings` with relative recorded paths resolved against `folder` (the inverse of {@link recordSettings}). */
export function resolveRecordedSettings<T extends object>(settings: T, folder: string): T {
  const out = { ...settings } as Record<string, unknown>;
  for (const key of PATH_SETTINGS) {
    const v = out[key];
    if (typeof v === 'string' && v !== '') out[key] = resolveRecordedPath(v, folder);
  }
  return out as T;
}

/**
 * Text with the machine's paths taken out: Node's "imported from /abs/file" (in the reason a backend
 * package was not used) is dropped, being where tear-ssl is installed rather than anything about the run.
 */
export function scrubPaths(text: string): string {
  return text.replace(/ imported from (?:\/|[A-Za-z]:\\)[^\s;,)]*[^\s;,).]/g, '');
}
