import { gunzipSync } from 'node:zlib';
import { DataFormatError } from './errors';

/** True when the buffer starts with the gzip magic bytes 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Default cap on a gunzipped file: 1 GiB. */
export const DEFAULT_MAX_GUNZIP_BYTES = 2 ** 30;

/**
 * Returns the bytes, gunzipped when they carry the gzip magic. Decompression stops at `maxBytes`
 * (default 1 GiB), so a small gzip bomb cannot fill the memory before the format is checked; a stream
 * that would expand further, or a corrupt one, is a DataFormatError naming the file.
 */
export function gunzipIfNeeded(bytes: Uint8Array, file: string, opts: { maxBytes?: number } = {}): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_GUNZIP_BYTES;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataFormatError(file, `gzip stream expands past ${maxBytes} bytes (the most this reader accepts); not a data file of this format`, { offset: 0 });
    }
    throw new DataFormatError(file, `corrupt gzip stream (${(e as Error).message})`, { offset: 0 });
  }
}
