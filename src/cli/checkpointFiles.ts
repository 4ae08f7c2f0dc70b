import { existsSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CheckpointError, readCheckpoint } from '../training/checkpoint';
import { describeWriteSync } from '../util/writeErrors';
import { CliUsageError } from './cliError';

/**
 * Where a CLI run keeps its checkpoints: `<out>/checkpoints/step-00000100.ckpt` (the step count done).
 * `--resume` and `eval --checkpoint` take such a file, the checkpoints folder, or the run folder.
 */
export const checkpointDir = (out: string): string => join(out, 'checkpoints');

export const checkpointPath = (out: string, step: number): string => join(checkpointDir(out), `step-${String(step).padStart(8, '0')}.ckpt`);

/** The checkpoint of the best validation evaluation so far (EMA top-1), beside the latest step-*.ckpt. */
export const bestCheckpointPath = (out: string): string => join(checkpointDir(out), 'best.ckpt');

const CHECKPOINT_NAME = /^step-(\d+)\.ckpt$/;

/** Checkpoint files of a folder, by step ascending. */
export function listCheckpoints(dir: string): Array<{ file: string; step: number }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, m: CHECKPOINT_NAME.exec(name) }))
    .filter((x) => x.m !== null)
    .map((x) => ({ file: join(dir, x.name), step: Number((x.m as RegExpExecArray)[1]) }))
    .sort((a, b) => a.step - b.step);
}

/** A checkpoint chosen by `resolveCheckpoint`, its decoded payload, and the newer ones it passed over. */
export interface ResolvedCheckpoint {
  file: string;
  payload: unknown;
  /** Newer checkpoints of the folder that failed to read, newest first (`movedTo`: where they were renamed). */
  skipped: Array<{ file: string; reason: string; movedTo?: string }>;
}

/**
 * The checkpoint file `path` names, read and validated: the file itself (an error if it is bad), or the
 * newest VALID one in a checkpoints or run folder. A newer checkpoint that fails to read (truncated,
 * checksum, non-finite values) is reported in `skipped`; with `quarantine` (train --resume) it is also
 * renamed to `<name>.corrupt`, so that later runs, pruning and `eval` never pick it again.
 * When no checkpoint of the folder is readable: a CheckpointError listing why.
 */
export async function resolveCheckpoint(path: string, flag: string, opts: { quarantine?: boolean } = {}): Promise<ResolvedCheckpoint> {
  if (!existsSync(path)) throw new CliUsageError(`${flag} ${path} does not exist`);
  if (statSync(path).isFile()) return { file: path, payload: await readCheckpoint(path), skipped: [] };
  const found = [...listCheckpoints(path), ...listCheckpoints(checkpointDir(path))].sort((a, b) => b.step - a.step);
  if (found.length === 0) throw new CliUsageError(`${flag} ${path}: no checkpoint (step-*.ckpt) in it or in its checkpoints/ folder`);
  const skipped: ResolvedCheckpoint['skipped'] = [];
  for (const { file } of found) {
    try {
      return { file, payload: await readCheckpoint(file), skipped };
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      const movedTo = opts.quarantine ? `${file}.corrupt` : undefined;
      if (movedTo !== undefined) describeWriteSync('set aside the damaged checkpoint', file, () => renameSync(file, movedTo));
      skipped.push({ file, reason: e.message, movedTo });
    }
  }
  throw new CheckpointError(path, `${flag}: none of its ${found.length} checkpoint(s) is readable${opts.quarantine ? ' (each renamed to *.corrupt)' : ''}: ` +
    skipped.map((s) => s.reason).join('; '));
}

/**
 * The run folder a checkpoint path belongs to: the folder holding run.json, or, for a file in a
 * `checkpoints/` folder, that folder's parent (a run whose run.json was lost). Undefined otherwise.
 */
export function runFolderOf(path: string): string | undefined {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const candidates = isDir ? [path, dirname(path)] : [dirname(path), dirname(dirname(path))];
  const withRecord = candidates.find((dir) => existsSync(join(dir, 'run.json')));
  if (withRecord !== undefined) return withRecord;
  if (isDir) return existsSync(checkpointDir(path)) ? path : basename(path) === 'checkpoints' ? dirname(path) : undefined;
  return basename(dirname(path)) === 'checkpoints' ? dirname(dirname(path)) : undefined;
}

const TEMPORARY = /^(.+)\.tmp-(\d+)-[0-9a-f]+$/;

/**
 * Removes the temporaries (`<name>.tmp-<pid>-<hex>`) that a checkpoint write cut off by a crash or a
 * kill left in `dir`, unless the process that made them is still alive. Returns the files removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = TEMPORARY.exec(name);
    if (m === null) continue;
    const pid = Number(m[2]);
    if (processAlive(pid)) continue;
    describeWriteSync('remove the stale temporary', join(dir, name), () => rmSync(join(dir, name), { force: true }));
    removed.push(join(dir, name));
  }
  return removed;
}

/** Whether a process with this pid exists (signal 0; EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes all but the newest `keep` checkpoints of a run (the final one is written last, so it stays). */
export function pruneCheckpoints(out: string, keep: number): void {
  const all = listCheckpoints(checkpointDir(out));
  for (const old of all.slice(0, Math.max(0, all.length - keep))) describeWriteSync('remove the old checkpoint', old.file, () => unlinkSync(old.file));
}
