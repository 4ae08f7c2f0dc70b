import { readFile } from 'node:fs/promises';
import { DataFormatError } from './errors';

/** Reads a whole file; a missing or unreadable file is a DataFormatError naming it (no stack trace). */
export async function readDataFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataFormatError(file, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? (e as Error).message})`);
  }
}
