import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/runCli';

/** What one in-process CLI call did. */
export interface CliResult {
  code: number;
  stdout: string[];
  stderr: string[];
  /** stdout and stderr joined. */
  text: string;
}

/** Runs `tear-ssl <argv>` in this process (no subprocess: a few ms of overhead instead of a second). */
export async function cli(argv: string[]): Promise<CliResult> {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr, text: [...io.stdout, ...io.stderr].join('\n') };
}

/** A FixMatch run on digits small enough for the cpu backend: `steps` steps of 4 labeled + 4 unlabeled images. */
export const tinyTrain = (out: string, extra: string[] = [], steps = 2): string[] => [
  'train', '--dataset', 'digits', '--method', 'fixmatch', '--labels', '20', '--validation', '20', '--test', '40',
  '--steps', String(steps), '--batch-size', '4', '--mu', '1', '--eval-every', '0', '--checkpoint-every', '1', '--log-every', '1',
  '--backend', 'cpu', '--no-progress', '--out', out, ...extra,
];

/** An IDX file of unsigned bytes: big-endian magic 0x0000 08 0d, the dims, then the values. */
export function idxBytes(dims: number[], values: ArrayLike<number>, magic = 0x0800 + dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Uint8Array.from(values))]);
}

/** The four MNIST-style IDX files of a small fixture: `perClass` training and 2 test images per class, side×side pixels. */
export function idxFixture(opts: { perClass?: number; side?: number; seed?: number } = {}): Record<string, Buffer> {
  const { perClass = 6, side = 8, seed = 0 } = opts;
  const image = (i: number) => Array.from({ length: side * side }, (_, p) => (37 * i + 11 * p + 101 * seed) % 256);
  const set = (n: number, offset: number) => ({
    images: idxBytes([n, side, side], Array.from({ length: n }, (_, i) => image(i + offset)).flat()),
    labels: idxBytes([n], Array.from({ length: n }, (_, i) => i % 10)),
  });
  const train = set(10 * perClass, 0);
  const test = set(20, 1000);
  return {
    'train-images-idx3-ubyte': train.images, 'train-labels-idx1-ubyte': train.labels,
    't10k-images-idx3-ubyte': test.images, 't10k-labels-idx1-ubyte': test.labels,
  };
}

/** Writes `files` into a new folder `dir`. */
export function writeFolder(dir: string, files: Record<string, Buffer | string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

/**
 * A copy of a checkpoint file with its blob changed by `mutate` and the SHA-256 recomputed, so the file
 * is well formed and only its values are wrong (e.g. a NaN weight that a checksum cannot catch).
 */
export function rewriteCheckpointBlob(bytes: Buffer, mutate: (blob: Float32Array) => void): Buffer {
  const out = Buffer.from(bytes);
  const headerBytes = out.readUInt32LE(12);
  const blobBytes = out.readUInt32LE(16);
  const start = 24 + headerBytes;
  const blob = new Float32Array(out.buffer.slice(out.byteOffset + start, out.byteOffset + start + blobBytes));
  mutate(blob);
  Buffer.from(blob.buffer).copy(out, start);
  createHash('sha256').update(out.subarray(0, start + blobBytes)).digest().copy(out, start + blobBytes);
  return out;
}

/** A copy of a checkpoint file with its JSON header changed by `edit` (lengths and SHA-256 recomputed). */
export function rewriteCheckpointHeader(bytes: Buffer, edit: (header: Record<string, unknown>) => unknown): Buffer {
  const headerBytes = bytes.readUInt32LE(12);
  const blobBytes = bytes.readUInt32LE(16);
  const header = JSON.parse(bytes.toString('utf8', 24, 24 + headerBytes)) as Record<string, unknown>;
  const text = Buffer.from(JSON.stringify(edit(header)), 'utf8');
  const pre = Buffer.from(bytes.subarray(0, 24));
  pre.writeUInt32LE(text.length, 12);
  const body = Buffer.concat([pre, text, bytes.subarray(24 + headerBytes, 24 + headerBytes + blobBytes)]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** The checkpoint without the CLI's `metadata` (as written by tear-ssl before the data fingerprint). */
export const withoutMetadata = (bytes: Buffer): Buffer => rewriteCheckpointHeader(bytes, ({ metadata: _m, ...rest }) => rest);
