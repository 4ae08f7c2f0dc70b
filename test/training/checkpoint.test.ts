import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_MAGIC, CheckpointError, decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint,
} from '../../src/training/checkpoint';

let dir: string;
beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tear-ckpt-')); });
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const payload = {
  step: 7,
  name: 'run',
  weights: [
    { shape: [2, 2], dtype: 'float32', values: [0.1, -2.5, 3e-8, 1e6] },
    { shape: [3], dtype: 'int32', values: [1, -2, 2147483647] },
  ],
  nested: { queue: { shape: [0, 3], dtype: 'float32', values: [] }, flag: { shape: [2], dtype: 'bool', values: [1, 0] } },
};

describe('checkpoint format', () => {
  it('round-trips JSON fields and tensors (float32-exact) through the binary layout', () => {
    const bytes = encodeCheckpoint(payload);
    expect(bytes.toString('latin1', 0, 8)).toBe(CHECKPOINT_MAGIC);
    expect(bytes.readUInt32LE(8)).toBe(1);
    const back = decodeCheckpoint(bytes, 'mem') as typeof payload;
    expect(back.step).toBe(7);
    expect(back.name).toBe('run');
    expect(back.weights[0].values).toEqual(Array.from(Float32Array.from(payload.weights[0].values)));
    expect(back.weights[1]).toEqual(payload.weights[1]);
    expect(back.nested).toEqual(payload.nested);
    // the header holds references, not values
    const header = bytes.toString('utf8', 24, 24 + bytes.readUInt32LE(12));
    expect(header).toContain('$tensor');
    expect(header).not.toContain('2147483647');
  });

  it('rejects a flipped byte anywhere (header, blob, digest) with the file named', () => {
    const bytes = encodeCheckpoint(payload);
    const headerEnd = 24 + bytes.readUInt32LE(12);
    for (const at of [30, headerEnd + 3, bytes.length - 1]) {
      const bad = Buffer.from(bytes);
      bad[at] ^= 0x40;
      expect(() => decodeCheckpoint(bad, '/x/run.ckpt')).toThrow(/\/x\/run\.ckpt: field 'checksum'/);
    }
  });

  it('names truncation, a wrong magic, a future version and trailing bytes', () => {
    const bytes = encodeCheckpoint(payload);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 5), 'f')).toThrow(/truncated/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 10), 'f')).toThrow(/truncated or not a checkpoint/);
    expect(() => decodeCheckpoint(Buffer.concat([bytes, Buffer.from([0])]), 'f')).toThrow(/trailing bytes/);
    const magic = Buffer.from(bytes);
    magic.write('NOTACKPT', 0, 'latin1');
    expect(() => decodeCheckpoint(magic, 'f')).toThrow(/field 'magic'/);
    const version = Buffer.from(bytes);
    version.writeUInt32LE(2, 8);
    expect(() => decodeCheckpoint(version, 'f')).toThrow(/field 'version' is 2/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 10), 'f')).toThrow(CheckpointError);
  });
});

describe('writeCheckpoint / readCheckpoint', () => {
  it('writes atomically and leaves no temporary file behind', async () => {
    const file = path.join(dir, 'a.ckpt');
    await writeCheckpoint(file, payload);
    await writeCheckpoint(file, { ...payload, step: 8 });
    expect(((await readCheckpoint(file)) as typeof payload).step).toBe(8);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('a.ckpt'))).toEqual(['a.ckpt']);
  });

  it('a leftover temporary file (crash before rename) does not affect the good checkpoint', async () => {
    const file = path.join(dir, 'b.ckpt');
    await writeCheckpoint(file, payload);
    const partial = encodeCheckpoint({ ...payload, step: 99 }).subarray(0, 40);
    await fs.writeFile(`${file}.tmp-12345-deadbeef`, partial);
    expect(((await readCheckpoint(file)) as typeof payload).step).toBe(7);
    await writeCheckpoint(file, { ...payload, step: 9 });
    expect(((await readCheckpoint(file)) as typeof payload).step).toBe(9);
  });

  it('a failed write (rename refused) keeps the previous file and removes its temporary', async () => {
    const target = path.join(dir, 'c.ckpt');
    await fs.mkdir(path.join(target, 'inside'), { recursive: true }); // a non-empty folder: rename over it fails
    await expect(writeCheckpoint(target, payload)).rejects.toThrow();
    expect((await fs.readdir(dir)).some((f) => f.startsWith('c.ckpt.tmp-'))).toBe(false);
    const good = path.join(dir, 'd.ckpt');
    await writeCheckpoint(good, payload);
    await expect(writeCheckpoint(good, { bad: BigInt(1) })).rejects.toThrow();
    expect(((await readCheckpoint(good)) as typeof payload).step).toBe(7);
  });

  it('a missing file gives a CheckpointError naming it', async () => {
    const file = path.join(dir, 'missing.ckpt');
    await expect(readCheckpoint(file)).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot read the file \\(ENOENT\\)`));
  });
});
