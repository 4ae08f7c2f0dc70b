import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliUsageError } from './cliError';

/**
 * Where a CLI run keeps its checkpoints: `<out>/checkpoints/step-00000100.ckpt` (the step count done).
 * `--resume` and `eval --checkpoint` take such a file, the checkpoints folder, or the run folder.
 */
export const checkpointDir = (out: string): string => join(out, 'checkpoints');

export const checkpointPath = (out: string, step: number): string => join(checkpointDir(out), `step-${String(step).padStart(8, '0')}.ckpt`);

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

/** The checkpoint file `path` names: the file itself, or the latest in a checkpoints or run folder. */
export function resolveCheckpoint(path: string, flag: string): string {
  if (!existsSync(path)) throw new CliUsageError(`${flag} ${path} does not exist`);
  if (statSync(path).isFile()) return path;
  const found = [...listCheckpoints(path), ...listCheckpoints(checkpointDir(path))];
  if (found.length === 0) throw new CliUsageError(`${flag} ${path}: no checkpoint (step-*.ckpt) in it or in its checkpoints/ folder`);
  return found.sort((a, b) => a.step - b.step)[found.length - 1].file;
}

/** The run folder a checkpoint path belongs to (the folder holding run.json), if any. */
export function runFolderOf(path: string): string | undefined {
  const candidates = existsSync(path) && statSync(path).isDirectory()
    ? [path, dirname(path)]
    : [dirname(path), dirname(dirname(path))];
  return candidates.find((dir) => existsSync(join(dir, 'run.json')));
}

/** Deletes all but the newest `keep` checkpoints of a run (the final one is written last, so it stays). */
export function pruneCheckpoints(out: string, keep: number): void {
  const all = listCheckpoints(checkpointDir(out));
  for (const old of all.slice(0, Math.max(0, all.length - keep))) unlinkSync(old.file);
}
