import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointDir, listCheckpoints } from '../checkpointFiles';
import { describeHolder, inspectLock, DEFAULT_STALE_SECONDS } from './cellLock';
import type { SweepCell } from './sweepGrid';

/** Where a cell lives under the sweep's output folder. */
export interface CellPaths {
  dir: string;
  /** The `tear-ssl train --config` file the sweep writes for the cell. */
  config: string;
  /** Written atomically when the cell has finished: its outcome (see cellResult.ts). */
  result: string;
  /** A folder present while a sweep process trains the cell; its owner.json names host, pid and heartbeat (cellLock.ts). */
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
  | { kind: 'running'; holder: string }
  | { kind: 'resume'; step: number }
  | { kind: 'new' };

/**
 * A cell is 'done' when its result.json exists for the same settings; 'changed' when it exists for other
 * settings (refused: the user must move it away); 'running' when its lock is held (a live holder on this
 * host, or a heartbeat younger than `staleSeconds` from any host); 'resume' when it has a checkpoint;
 * else 'new' (any half-written folder without a checkpoint is started over). Reads only: a stale lock is
 * taken over when the cell is claimed (tryAcquireLock).
 */
export function cellStatus(paths: CellPaths, hash: string, staleSeconds = DEFAULT_STALE_SECONDS): CellStatus {
  const finished = finishedStatus(paths, hash);
  if (finished !== undefined) return finished;
  const lock = inspectLock(paths.lock, staleSeconds);
  if (lock.kind === 'held') return { kind: 'running', holder: describeHolder(lock) };
  return progressStatus(paths);
}

/** 'done' or 'changed' from the cell's result.json; undefined without one. */
export function finishedStatus(paths: CellPaths, hash: string): Extract<CellStatus, { kind: 'done' | 'changed' }> | undefined {
  if (existsSync(paths.result)) {
    let saved: { settingsHash?: string } = {};
    try {
      saved = JSON.parse(readFileSync(paths.result, 'utf8')) as { settingsHash?: string };
    } catch {
      return { kind: 'changed', why: `${paths.result} is not valid JSON` };
    }
    return saved.settingsHash === hash ? { kind: 'done' } : { kind: 'changed', why: `${paths.result} was written for other settings (hash ${saved.settingsHash ?? 'none'}, the grid now gives ${hash})` };
  }
  return undefined;
}

/** 'resume' from the newest checkpoint of an unfinished cell, else 'new'. */
export function progressStatus(paths: CellPaths): Extract<CellStatus, { kind: 'resume' | 'new' }> {
  const checkpoints = listCheckpoints(checkpointDir(paths.dir));
  if (checkpoints.length > 0) return { kind: 'resume', step: checkpoints[checkpoints.length - 1].step };
  return { kind: 'new' };
}

/**
 * A hash of the grid's cells in run order (ids and settings): an array job written for one version of a
 * grid refuses to run when the grid has changed since, as its task indices would name other cells.
 */
export function gridHash(cells: ReadonlyArray<{ id: string; settings: object }>): string {
  return settingsHash(cells.map((c) => [c.id, settingsHash(c.settings)]));
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
