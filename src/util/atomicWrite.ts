import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, promises as fs, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { asWriteFailure, describeWriteSync, systemErrorCode } from './writeErrors';

/** What a write is, for its error message: `checkpoint` gives `cannot write the checkpoint <file>: …`. */
export interface WriteOptions {
  /** A noun for the file (`checkpoint`, `run record`, `report`); default: none (`cannot write <file>`). */
  what?: string;
}

const writeAction = (opts: WriteOptions): string => (opts.what === undefined ? 'write' : `write the ${opts.what}`);

/** `<file>.tmp-<pid>-<random>`, in the file's folder (removeStaleTemporaries in the CLI recognises it). */
const temporaryFor = (target: string): string => `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * Writes `chunks` to `file` so that readers see either the old file or the whole new one (Node only):
 * a temporary `<file>.tmp-<pid>-<random>` in the same folder is created exclusively, written, fsynced,
 * renamed over `file`, and the folder is fsynced so the rename itself survives a crash. On failure the
 * temporary is removed and `file` is untouched; a leftover temporary from a crash is never read.
 * A system I/O error (a full disk, a read-only filesystem, no permission) is thrown as a
 * `WriteFailedError` naming `file` (never the temporary) and the reason in words.
 */
export async function writeFileAtomic(file: string, chunks: Uint8Array | string | Array<Uint8Array | string>, opts: WriteOptions = {}): Promise<void> {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const temp = temporaryFor(target);
  let handle: fs.FileHandle | undefined;
  makeFolder(dir);
  try {
    handle = await fs.open(temp, 'wx');
    for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) await handle.writeFile(chunk);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw asWriteFailure(e, writeAction(opts), file);
  }
  await syncDirectory(dir);
}

/** {@link writeFileAtomic}, synchronously (for callers that cannot await, such as the metrics log). */
export function writeFileAtomicSync(file: string, data: Uint8Array | string, opts: WriteOptions = {}): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const temp = temporaryFor(target);
  let fd: number | undefined;
  makeFolder(dir);
  try {
    fd = openSync(temp, 'wx');
    writeWhole(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (e) {
    if (fd !== undefined) try { closeSync(fd); } catch { /* already failing */ }
    rmSync(temp, { force: true });
    throw asWriteFailure(e, writeAction(opts), file);
  }
  syncDirectorySync(dir);
}

/**
 * Appends `data` to `file` (created if missing) whole or not at all: when the write fails part-way (a
 * full disk accepts some bytes, then refuses), the file is cut back to its old length, so a line-based
 * log never ends in half a line. The error is a `WriteFailedError` naming `file`.
 */
export function appendFileWhole(file: string, data: Uint8Array | string, opts: WriteOptions = {}): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'a');
    const size = fstatSync(fd).size;
    try {
      writeWhole(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    } catch (e) {
      // shrinking needs no space, so this works on a full disk
      try { ftruncateSync(fd, size); } catch { /* the original error says more */ }
      throw e;
    }
    const done = fd;
    fd = undefined;
    closeSync(done);
  } catch (e) {
    if (fd !== undefined) try { closeSync(fd); } catch { /* already failing */ }
    throw asWriteFailure(e, opts.what === undefined ? 'append to' : `append to the ${opts.what}`, file);
  }
}

/**
 * `mkdir -p dir`, failing with the system's real reason as a `WriteFailedError` (`cannot create the folder
 * <dir>: read-only filesystem (EROFS)`). Node's recursive mkdir reports ENOENT where the system said
 * EROFS or EACCES, and EEXIST where a part of the path is a file; the first missing folder is then
 * created alone to learn why.
 */
export function makeFolder(dir: string): void {
  describeWriteSync('create the folder', dir, () => {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      const real = realMkdirError(dir, e);
      if (real !== undefined) throw real;
    }
  });
}

/** The error that explains a failed `mkdir -p dir`, or undefined when a second try made the folder. */
function realMkdirError(dir: string, error: unknown): unknown {
  const code = systemErrorCode(error);
  if (code !== 'ENOENT' && code !== 'EEXIST') return error;
  let missing = path.resolve(dir);
  const notADirectory = (at: string) => Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR', path: at });
  if (existsSync(missing) && !statSync(missing).isDirectory()) return notADirectory(missing);
  while (!existsSync(path.dirname(missing)) && path.dirname(missing) !== missing) missing = path.dirname(missing);
  const parent = path.dirname(missing);
  if (existsSync(parent) && !statSync(parent).isDirectory()) return notADirectory(parent);
  try {
    mkdirSync(missing);
  } catch (inner) {
    return inner;
  }
  // the first missing folder could be made (another process raced us): finish the path
  try {
    mkdirSync(dir, { recursive: true });
  } catch (again) {
    return again;
  }
  return undefined;
}

/** writeSync until every byte is written (a write may take only part of the buffer). */
function writeWhole(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function syncDirectorySync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // as syncDirectory
  } finally {
    if (fd !== undefined) try { closeSync(fd); } catch { /* nothing to do */ }
  }
}
