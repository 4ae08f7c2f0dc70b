import { gunzipSync } from 'node:zlib';
import { DataFormatError } from './errors';

/** True when the buffer starts with the gzip magic bytes 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Returns the bytes, gunzipped when they carry the gzip magic; a corrupt stream is a DataFormatError naming the file. */
export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new DataFormatError(file, `corrupt gzip stream (${(e as Error).message})`, { offset: 0 });
  }
}
