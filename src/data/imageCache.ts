import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeFolder, writeFileAtomic } from '../util/atomicWrite';

/**
 * Binary cache of resized uint8 images, one file per (ids, size): a 96-byte header then N·H·W·C bytes.
 * Header (little-endian): bytes 0–7 'TEARIMGC', u32 version (2), u32 N, u32 H, u32 W, u32 C,
 * 4 reserved zero bytes, bytes 32–63 the SHA-256 of the key (size, channels, the ids in order and the
 * content fingerprint of the source images), bytes 64–95 the SHA-256 of the pixel body.
 * A file whose header, key, length or body checksum does not match is ignored and rebuilt, so replaced
 * source images and corrupted cache bytes are never served.
 */
const MAGIC = 'TEARIMGC';
const VERSION = 2;
const HEADER_BYTES = 96;

export interface ImageCacheKey {
  /** Data set name used in the file name, e.g. 'isic2018'. */
  name: string;
  ids: readonly string[];
  height: number;
  width: number;
  channels: number;
  /** Fingerprint of the source images' contents (e.g. SHA-256 over each file's SHA-256, in `ids` order). */
  contents: string;
}

function keyHash(key: ImageCacheKey): Buffer {
  return createHash('sha256').update(JSON.stringify([key.name, key.height, key.width, key.channels, key.ids, key.contents])).digest();
}

/** The cache file for a key: `<name>-<H>x<W>x<C>-<first 16 hex digits of the key hash>.bin`. */
export function imageCachePath(cacheDir: string, key: ImageCacheKey): string {
  return join(cacheDir, `${key.name}-${key.height}x${key.width}x${key.channels}-${keyHash(key).toString('hex').slice(0, 16)}.bin`);
}

function header(key: ImageCacheKey, pixels: Uint8Array): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(VERSION, 8);
  out.writeUInt32LE(key.ids.length, 12);
  out.writeUInt32LE(key.height, 16);
  out.writeUInt32LE(key.width, 20);
  out.writeUInt32LE(key.channels, 24);
  keyHash(key).copy(out, 32);
  createHash('sha256').update(pixels).digest().copy(out, 64);
  return out;
}

/** The cached pixels for `key`, or undefined when there is no valid cache file. */
export async function readImageCache(cacheDir: string, key: ImageCacheKey): Promise<Uint8Array | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(imageCachePath(cacheDir, key));
  } catch {
    return undefined;
  }
  const expectedLength = HEADER_BYTES + key.ids.length * key.height * key.width * key.channels;
  if (bytes.length !== expectedLength) return undefined;
  const pixels = bytes.subarray(HEADER_BYTES);
  if (!bytes.subarray(0, HEADER_BYTES).equals(header(key, pixels))) return undefined;
  return pixels;
}

/** Writes the pixels for `key` atomically (temp file, fsync, rename). */
export async function writeImageCache(cacheDir: string, key: ImageCacheKey, pixels: Uint8Array): Promise<string> {
  const expected = key.ids.length * key.height * key.width * key.channels;
  if (pixels.length !== expected) throw new Error(`tear-ssl.writeImageCache: ${pixels.length} bytes for ${key.ids.length} images of ${key.height}×${key.width}×${key.channels} (${expected} expected)`);
  makeFolder(cacheDir);
  const path = imageCachePath(cacheDir, key);
  await writeFileAtomic(path, [header(key, pixels), pixels], { what: 'image cache' });
  return path;
}
