import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one: write a temp file
 * next to it, fsync it, then rename over `path`. The temp file is removed if anything fails.
 */
export async function writeFileAtomic(path: string, chunks: Uint8Array | string | Array<Uint8Array | string>): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(temp, 'w');
  try {
    try {
      for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) await handle.writeFile(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}
