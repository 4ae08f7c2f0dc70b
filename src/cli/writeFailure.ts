import { dirname } from 'node:path';
import { readCheckpoint } from '../training/checkpoint';
import { WriteFailedError } from '../util/writeErrors';
import { checkpointDir, listCheckpoints } from './checkpointFiles';

/**
 * What the CLI says when a write fails because of the system (a full disk, a read-only folder, no
 * permission): the failure itself (what, where, why: {@link WriteFailedError}), what is intact, and the
 * exact command to go on, all on one line.
 */

/** What to do about the system's reason before going on: free space, make the folder writable, … */
function remedy(error: WriteFailedError, runFolder?: string): string {
  switch (error.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free space on that disk';
    case 'EACCES':
    case 'EPERM':
      return `make ${dirname(error.file)} writable`;
    case 'EROFS':
      return `make that filesystem writable${runFolder === undefined ? '' : ` (or copy ${runFolder} to a writable disk and resume the copy)`}`;
    default:
      return `fix the cause (${error.code})`;
  }
}

/** A path as one shell word: quoted when it holds anything but letters, digits and `_ . / - + , : @ =`. */
export function shellWord(path: string): string {
  return /^[\w./+,:@=-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** The newest step checkpoint of a run folder that reads and validates (checksum, finite values), or undefined. */
export async function newestGoodCheckpoint(out: string): Promise<{ file: string; step: number } | undefined> {
  const found = listCheckpoints(checkpointDir(out)).reverse();
  for (const checkpoint of found) {
    try {
      await readCheckpoint(checkpoint.file);
      return checkpoint;
    } catch {
      // damaged or unreadable: an older one may be good
    }
  }
  return undefined;
}

/**
 * A write of `tear-ssl train` into the run folder `out` failed: the same failure with the newest
 * checkpoint that reads (checked now) named as intact, and the command that continues the run
 * (`tear-ssl train --resume <out>`), or, when no checkpoint was written yet, that the command may be run again.
 */
export async function explainTrainWriteFailure(error: WriteFailedError, out: string): Promise<WriteFailedError> {
  const newest = await newestGoodCheckpoint(out);
  if (newest === undefined) {
    return error.withAdvice(`no checkpoint was written yet, so nothing is lost but this run's steps; ${remedy(error)}, then run the same tear-ssl train command again (or give another --out)`);
  }
  return error.withAdvice(`the newest good checkpoint, ${newest.file} (step ${newest.step}), is intact; ` +
    `${remedy(error, out)}, then run: tear-ssl train --resume ${shellWord(out)}`);
}

/**
 * A write of `tear-ssl sweep` failed: finished cells keep their result.json (each written atomically) and
 * interrupted ones their checkpoints, so running the same sweep again continues where it stopped.
 */
export function explainSweepWriteFailure(error: WriteFailedError, command: string): WriteFailedError {
  return error.withAdvice(`finished cells keep their result.json and interrupted ones their newest checkpoint; ${remedy(error)}, then run: ${command}`);
}
