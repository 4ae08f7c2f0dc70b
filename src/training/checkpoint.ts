import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { SerializedTensor } from '../state/serialize';
import { writeFileAtomic } from '../util/atomicWrite';
import { CheckpointError, NonFiniteCheckpointError } from './checkpointPayload';
import { setCheckpointStorage } from './checkpointStorage';

/*
 * Checkpoint files (Node only): the binary file format below, atomic writes and reads. The payload
 * itself (what a trainer's state becomes, its checks and older layouts) is checkpointPayload.ts, which
 * is pure. Loading this module installs these files as the trainer's checkpoint storage, so
 * `trainer.save(file)`, `trainer.load(file)` and `SemiSupervisedTrainer.resume(file, setup)` work.
 */

export { CheckpointError, NonFiniteCheckpointError };

/**
 * Checkpoint file format, version 1 (all integers little-endian):
 *
 *   offset 0   8 bytes   magic "TEARCKPT"
 *   offset 8   uint32    format version (1)
 *   offset 12  uint32    header length H in bytes
 *   offset 16  uint32×2  blob length L in bytes (low word, high word)
 *   offset 24  H bytes   header: UTF-8 JSON
 *   24 + H     L bytes   blob: raw tensor values (float32, or int32 for int32/bool tensors)
 *   24 + H + L 32 bytes  SHA-256 of every byte before it
 *
 * The header is the JSON payload with every serialised tensor ({shape, dtype, values}) replaced by
 * {"$tensor": {shape, dtype, offset, length}} pointing into the blob (offset and length in values).
 */
export const CHECKPOINT_MAGIC = 'TEARCKPT';
/** Version of the checkpoint file layout written by writeCheckpoint; readCheckpoint refuses other versions. */
export const CHECKPOINT_FORMAT_VERSION = 1;
const PREAMBLE_BYTES = 24;
const DIGEST_BYTES = 32;

interface TensorRef {
  $tensor: { shape: number[]; dtype: SerializedTensor['dtype']; offset: number; length: number };
}

function isSerializedTensor(v: unknown): v is SerializedTensor {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  return keys.length === 3 && Array.isArray(o.shape) && Array.isArray(o.values) && typeof o.dtype === 'string';
}

/** The first non-finite value of a float tensor's values, as `index` and `value`, or undefined. */
function firstNonFinite(values: ArrayLike<number>): { index: number; value: number } | undefined {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return { index: i, value: values[i] };
  return undefined;
}

/**
 * Replaces serialised tensors by blob references, appending their values to `chunks`. A float tensor
 * holding NaN or ±Inf is refused (a diverged run must never overwrite a finite checkpoint).
 */
function extractTensors(v: unknown, chunks: ArrayBufferView[], cursor: { values: number }, at = ''): unknown {
  if (isSerializedTensor(v)) {
    const data = v.dtype === 'float32' ? Float32Array.from(v.values) : Int32Array.from(v.values);
    const bad = v.dtype === 'float32' ? firstNonFinite(data) : undefined;
    if (bad !== undefined) {
      throw new NonFiniteCheckpointError(`tear-ssl.checkpoint: refusing to write a non-finite value (${bad.value}) at field '${at}' index ${bad.index}: the run has diverged`);
    }
    const ref: TensorRef = { $tensor: { shape: [...v.shape], dtype: v.dtype, offset: cursor.values, length: data.length } };
    chunks.push(data);
    cursor.values += data.length;
    return ref;
  }
  if (Array.isArray(v)) return v.map((x, i) => extractTensors(x, chunks, cursor, `${at}[${i}]`));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, extractTensors(x, chunks, cursor, at ? `${at}.${k}` : k)]));
  }
  return v;
}

/** Encodes a JSON-safe payload (which may hold SerializedTensor objects anywhere) into the file format. */
export function encodeCheckpoint(payload: unknown): Buffer {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('tear-ssl.checkpoint: big-endian hosts are not supported');
  const chunks: ArrayBufferView[] = [];
  const header = Buffer.from(JSON.stringify(extractTensors(payload, chunks, { values: 0 })), 'utf8');
  const blobBytes = chunks.reduce((s, c) => s + c.byteLength, 0);
  const out = Buffer.alloc(PREAMBLE_BYTES + header.length + blobBytes + DIGEST_BYTES);
  out.write(CHECKPOINT_MAGIC, 0, 'latin1');
  out.writeUInt32LE(CHECKPOINT_FORMAT_VERSION, 8);
  out.writeUInt32LE(header.length, 12);
  out.writeUInt32LE(blobBytes % 2 ** 32, 16);
  out.writeUInt32LE(Math.floor(blobBytes / 2 ** 32), 20);
  header.copy(out, PREAMBLE_BYTES);
  let at = PREAMBLE_BYTES + header.length;
  for (const c of chunks) {
    const bytes = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    bytes.copy(out, at);
    at += c.byteLength;
  }
  createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at);
  return out;
}

/** Decodes and validates a checkpoint; every error is a CheckpointError naming `file` and the field. */
export function decodeCheckpoint(bytes: Uint8Array, file: string): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const minimum = PREAMBLE_BYTES + DIGEST_BYTES;
  if (buf.length < minimum) {
    throw new CheckpointError(file, `file is ${buf.length} bytes, shorter than the smallest checkpoint (${minimum} bytes): truncated or not a checkpoint`);
  }
  const magic = buf.toString('latin1', 0, 8);
  if (magic !== CHECKPOINT_MAGIC) {
    throw new CheckpointError(file, `field 'magic' is ${JSON.stringify(magic)}, expected "${CHECKPOINT_MAGIC}": not a tear-ssl checkpoint`);
  }
  const version = buf.readUInt32LE(8);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(file, `field 'version' is ${version}; this tear-ssl reads format version ${CHECKPOINT_FORMAT_VERSION}`);
  }
  const headerBytes = buf.readUInt32LE(12);
  const blobBytes = buf.readUInt32LE(16) + buf.readUInt32LE(20) * 2 ** 32;
  const expected = PREAMBLE_BYTES + headerBytes + blobBytes + DIGEST_BYTES;
  if (buf.length !== expected) {
    throw new CheckpointError(file, `file is ${buf.length} bytes but its lengths (header ${headerBytes}, blob ${blobBytes}) need ${expected}: ${buf.length < expected ? 'truncated' : 'trailing bytes'}`);
  }
  if (blobBytes % 4 !== 0) throw new CheckpointError(file, `field 'blobLength' ${blobBytes} is not a multiple of 4`);
  const body = PREAMBLE_BYTES + headerBytes + blobBytes;
  const digest = createHash('sha256').update(buf.subarray(0, body)).digest();
  if (!digest.equals(buf.subarray(body))) {
    throw new CheckpointError(file, 'field \'checksum\': SHA-256 does not match the contents (the file is corrupted)');
  }
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', PREAMBLE_BYTES, PREAMBLE_BYTES + headerBytes));
  } catch (e) {
    throw new CheckpointError(file, `field 'header' is not valid JSON (${(e as Error).message})`);
  }
  const blob = new Uint8Array(buf.subarray(PREAMBLE_BYTES + headerBytes, body));
  const blobValues = blobBytes / 4;
  const restore = (v: unknown, at: string): unknown => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && '$tensor' in v) {
      const t = (v as TensorRef).$tensor;
      const ok = t !== null && typeof t === 'object' && Array.isArray(t.shape) && t.shape.every((d) => Number.isInteger(d) && d >= 0)
        && Number.isInteger(t.offset) && Number.isInteger(t.length) && t.offset >= 0 && t.length >= 0;
      if (!ok) throw new CheckpointError(file, `field '${at}' is a malformed tensor reference`);
      if (!['float32', 'int32', 'bool'].includes(t.dtype)) throw new CheckpointError(file, `field '${at}' has unknown dtype ${String(t.dtype)}`);
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (size !== t.length) throw new CheckpointError(file, `field '${at}' has shape [${t.shape.join(',')}] (${size} values) but length ${t.length}`);
      if (t.offset + t.length > blobValues) {
        throw new CheckpointError(file, `field '${at}' reads values [${t.offset}, ${t.offset + t.length}) past the blob's ${blobValues}`);
      }
      const slice = blob.slice(t.offset * 4, (t.offset + t.length) * 4).buffer;
      const values = t.dtype === 'float32' ? new Float32Array(slice) : new Int32Array(slice);
      const bad = t.dtype === 'float32' ? firstNonFinite(values) : undefined;
      if (bad !== undefined) {
        throw new CheckpointError(file, `field '${at}' holds a non-finite value (${bad.value}) at index ${bad.index}: the run that wrote it had diverged`);
      }
      return { shape: t.shape, dtype: t.dtype, values: Array.from(values) } satisfies SerializedTensor;
    }
    if (Array.isArray(v)) return v.map((x, i) => restore(x, `${at}[${i}]`));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, restore(x, at ? `${at}.${k}` : k)]));
    }
    return v;
  };
  return restore(header, '');
}

/**
 * Writes `payload` atomically (`writeFileAtomic`: temporary file, fsync, rename, folder fsync): a crash at
 * any point leaves either the old file or the new one under `file`; a leftover `<file>.tmp-…` is ignored.
 * A full disk or a read-only folder is a `WriteFailedError` naming `file` and the reason; the temporary is
 * removed and whatever `file` held before is untouched.
 */
export async function writeCheckpoint(file: string, payload: unknown): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(payload), { what: 'checkpoint' });
}

/** Reads and validates a checkpoint file (see the format above); errors are CheckpointError naming the file. */
export async function readCheckpoint(file: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeCheckpoint(bytes, file);
}

/** The file storage of file-path checkpoint methods: installed when this module loads (`tear-ssl` loads it). */
export const fileCheckpointStorage = { read: readCheckpoint, write: writeCheckpoint };
setCheckpointStorage(fileCheckpointStorage);
