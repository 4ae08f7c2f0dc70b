import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Writes `chunks` to `file` so that readers see either the old file or the whole new one (Node only):
 * a temporary `<file>.tmp-<pid>-<random>` in the same folder is created exclusively, written, fsynced,
 * renamed over `file`, and the folder is fsynced so the rename itself survives a crash. On failure the
 * temporary is removed and `file` is untouched; a leftover temporary from a crash is never read.
 */
export async function writeFileAtomic(file: string, chunks: Uint8Array | string | Array<Uint8Array | string>): Promise<void> {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true });
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  let handle: fs.FileHandle | undefined;
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
    throw e;
  }
  await syncDirectory(dir);
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
