import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWriteSync } from '../../util/writeErrors';
import { checkpointDir, listCheckpoints, processAlive } from '../checkpointFiles';
import type { SweepCell } from './sweepGrid';

/** Where a cell lives under the sweep's output folder. */
export interface CellPaths {
  dir: string;
  /** The `tear-ssl train --config` file the sweep writes for the cell. */
  config: string;
  /** Written atomically when the cell has finished: its outcome (see cellResult.ts). */
  result: string;
  /** Present while a process trains the cell: `{ pid, host, started }`. */
  lock: string;
  /** The cell's own stdout/stderr when it runs in a child process. */
  log: string;
}

export const cellPaths = (out: string, cell: SweepCell): CellPaths => {
  const dir = join(out, 'cells', cell.id);
  return { dir, config: join(out, 'configs', `${cell.id}.json`), result: join(dir, 'result.json'), lock: join(dir, 'sweep.lock'), log: join(dir, 'train.log') };
};

/** A stable hash of a cell's settings: a finished cell whose grid entry changed is not silently reused. */
export function settingsHash(settings: object): string {
  return createHash('sha256').update(stableJson(settings)).digest('hex').slice(0, 16);
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** What the sweep will do with a cell. */
export type CellStatus =
  | { kind: 'done' }
  | { kind: 'changed'; why: string }
  | { kind: 'running'; pid: number }
  | { kind: 'resume'; step: number }
  | { kind: 'new' };

/**
 * A cell is 'done' when its result.json exists for the same settings; 'changed' when it exists for other
 * settings (refused: the user must move it away); 'running' when a live process holds its lock; 'resume'
 * when it has a checkpoint; else 'new' (any half-written folder without a checkpoint is started over).
 */
export function cellStatus(paths: CellPaths, hash: string): CellStatus {
  if (existsSync(paths.result)) {
    let saved: { settingsHash?: string } = {};
    try {
      saved = JSON.parse(readFileSync(paths.result, 'utf8')) as { settingsHash?: string };
    } catch {
      return { kind: 'changed', why: `${paths.result} is not valid JSON` };
    }
    return saved.settingsHash === hash ? { kind: 'done' } : { kind: 'changed', why: `${paths.result} was written for other settings (hash ${saved.settingsHash ?? 'none'}, the grid now gives ${hash})` };
  }
  const holder = lockHolder(paths.lock);
  if (holder !== undefined) return { kind: 'running', pid: holder };
  const checkpoints = listCheckpoints(checkpointDir(paths.dir));
  if (checkpoints.length > 0) return { kind: 'resume', step: checkpoints[checkpoints.length - 1].step };
  return { kind: 'new' };
}

/** The pid holding a cell's lock if that process is alive; a stale lock is removed. */
function lockHolder(lock: string): number | undefined {
  if (!existsSync(lock)) return undefined;
  let pid = NaN;
  try {
    pid = Number((JSON.parse(readFileSync(lock, 'utf8')) as { pid?: number }).pid);
  } catch { /* unreadable lock: stale */ }
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) return pid;
  rmSync(lock, { force: true });
  return undefined;
}

/** Takes a cell's lock for process `pid` (the child that trains it, or this process). */
export function writeLock(paths: CellPaths, pid: number): void {
  describeWriteSync('write the cell lock', paths.lock, () => writeFileSync(paths.lock, `${JSON.stringify({ pid, started: new Date().toISOString() })}\n`));
}

/** The last `tear-ssl: error: …` line of a cell's train.log (its reason for failing, e.g. a full disk), without the prefix; undefined if none. */
export function lastErrorLine(log: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').reverse().find((l) => l.startsWith('tear-ssl: error: '));
  return line?.slice('tear-ssl: error: '.length);
}
