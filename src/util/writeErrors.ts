/**
 * I/O failures of writes (Node only), turned into one line that says what was being written, where, and
 * the system's reason in words: `cannot write the checkpoint runs/a/checkpoints/step-00000003.ckpt: disk
 * full (ENOSPC)`. Callers that know more (the CLI knows the newest intact checkpoint and the command
 * to go on) add it with {@link WriteFailedError.withAdvice}.
 */

/** The system's reasons a user can act on, in words. Other codes are described by their own message. */
const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only filesystem',
};

/** A write (or a folder creation, a rename, a removal) failed because of the system, not the data. */
export class WriteFailedError extends Error {
  override name = 'WriteFailedError';

  /**
   * @param action - what was being done, e.g. `write the checkpoint`, `create the folder`.
   * @param file - the file or folder it was done to (the target, never a temporary).
   * @param code - the system's error code (`ENOSPC`, `EROFS`, …).
   * @param reason - the code in words, e.g. `disk full (ENOSPC)`.
   * @param advice - what is intact and how to go on, appended after `; `.
   */
  constructor(readonly action: string, readonly file: string, readonly code: string, readonly reason: string, readonly advice?: string) {
    super(`tear-ssl: cannot ${action} ${file}: ${reason}${advice === undefined ? '' : `; ${advice}`}`);
    // the place is in the message; the call chain of a full disk helps no one
    this.stack = `${this.name}: ${this.message}`;
  }

  /** The same failure with `advice` (what is intact, the command to go on) in place of any earlier advice. */
  withAdvice(advice: string): WriteFailedError {
    return new WriteFailedError(this.action, this.file, this.code, this.reason, advice);
  }
}

/** The system error code (`ENOSPC`, …) of an error thrown by a Node file-system call; undefined for other errors. */
export function systemErrorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * The system's reason in words with its code: `disk full (ENOSPC)`, `read-only filesystem (EROFS)`; an
 * unlisted code keeps Node's description (`i/o error (EIO)`), or the bare code.
 */
export function systemReason(error: NodeJS.ErrnoException): string {
  const code = error.code ?? 'unknown';
  const words = REASONS[code] ?? new RegExp(`^${code}: ([^,]+)`).exec(error.message)?.[1]?.trim();
  return words === undefined || words === '' ? code : `${words} (${code})`;
}

/**
 * `error` as a WriteFailedError naming `action` and `file` when it is a system I/O error; a
 * WriteFailedError already (an inner write named itself) and any other error are returned unchanged.
 */
export function asWriteFailure(error: unknown, action: string, file: string): unknown {
  if (error instanceof WriteFailedError) return error;
  const code = systemErrorCode(error);
  return code === undefined ? error : new WriteFailedError(action, file, code, systemReason(error as NodeJS.ErrnoException));
}

/** Runs the synchronous write `fn`; a system I/O error becomes a WriteFailedError naming `action` and `file`. */
export function describeWriteSync<T>(action: string, file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asWriteFailure(e, action, file);
  }
}

/** Runs the write `fn`; a system I/O error becomes a WriteFailedError naming `action` and `file`. */
export async function describeWrite<T>(action: string, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asWriteFailure(e, action, file);
  }
}
