import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_CLASS_NAMES, loadCifar10 } from '../../src/data/cifar10';
import { DataFormatError } from '../../src/data/errors';
import { makeTempDir } from './tempDir';

const temp = makeTempDir('cifar');
afterAll(() => temp.remove());

/** One 3073-byte record: the label, then the R, G and B planes; pixel (y, x) of channel c is (y + 2x + 50c + seed) mod 256. */
function record(label: number, seed: number): Buffer {
  const bytes = Buffer.alloc(3073);
  bytes[0] = label;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) bytes[1 + c * 1024 + y * 32 + x] = (y + 2 * x + 50 * c + seed) % 256;
  }
  return bytes;
}

let count = 0;
function writeCifarDir(files: Partial<Record<string, Buffer>> = {}, nested = false): string {
  const root = join(temp.dir, `set${count++}`);
  const dir = nested ? join(root, 'cifar-10-batches-bin') : root;
  mkdirSync(dir, { recursive: true });
  const defaults: Record<string, Buffer> = {
    'data_batch_1.bin': Buffer.concat([record(3, 0), record(9, 1)]),
    'data_batch_2.bin': record(0, 2),
    'data_batch_3.bin': record(6, 8),
    'data_batch_4.bin': record(5, 3),
    'data_batch_5.bin': record(1, 4),
    'test_batch.bin': Buffer.concat([record(8, 5), record(2, 6), record(4, 7)]),
  };
  for (const [name, bytes] of Object.entries({ ...defaults, ...files })) writeFileSync(join(dir, name), bytes as Buffer);
  return root;
}

async function formatError(promise: Promise<unknown>): Promise<DataFormatError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DataFormatError);
  return error as DataFormatError;
}

describe('loadCifar10', () => {
  for (const nested of [false, true]) {
    it(`reads records in file order and converts channel-planar to NHWC (nested folder ${nested})`, async () => {
      const { train, test } = await loadCifar10(writeCifarDir({}, nested));
      expect(Array.from(train.labels)).toEqual([3, 9, 0, 6, 5, 1]);
      expect(Array.from(test.labels)).toEqual([8, 2, 4]);
      expect(train.shape).toEqual([32, 32, 3]);
      expect(train.images.length).toBe(6 * 3072);
      expect(train.classNames).toEqual(CIFAR10_CLASS_NAMES);
      // sample 4 (seed 3), pixel y=7, x=11, channel 2: (7 + 22 + 100 + 3) mod 256 = 132
      expect(train.images[4 * 3072 + (7 * 32 + 11) * 3 + 2]).toBeCloseTo(132 / 255, 7);
      // test sample 1 (seed 6), y=31, x=31, channel 0: (31 + 62 + 6) = 99
      expect(test.images[3072 + (31 * 32 + 31) * 3]).toBeCloseTo(99 / 255, 7);
    });
  }

  it('rejects a file whose length is not a multiple of 3073, naming the file and offset of the cut record', async () => {
    const dir = writeCifarDir({ 'data_batch_2.bin': Buffer.concat([record(0, 0), record(1, 1).subarray(0, 100)]) });
    const error = await formatError(loadCifar10(dir));
    expect(error.file).toBe(join(dir, 'data_batch_2.bin'));
    expect(error.offset).toBe(3073);
    expect(error.message).toMatch(/data_batch_2\.bin \(byte offset 3073\): length 3173 is not a multiple of the 3073-byte record/);
  });

  it('rejects a label above 9, naming the file, record and offset', async () => {
    const dir = writeCifarDir({ 'test_batch.bin': Buffer.concat([record(1, 0), record(1, 0), record(10, 0)]) });
    const error = await formatError(loadCifar10(dir));
    expect(error.offset).toBe(2 * 3073);
    expect(error.message).toMatch(/test_batch\.bin \(byte offset 6146\): record 2: label 10 is out of range 0\.\.9/);
  });

  it('rejects an empty (0-byte) batch file, naming it, instead of counting it as zero records', async () => {
    for (const name of ['data_batch_3.bin', 'test_batch.bin']) {
      const dir = writeCifarDir({ [name]: Buffer.alloc(0) });
      const error = await formatError(loadCifar10(dir));
      expect(error.file).toBe(join(dir, name));
      expect(error.message).toContain(`${name} (byte offset 0): file is empty (0 bytes)`);
    }
  });

  it('names a missing batch file', async () => {
    const error = await formatError(loadCifar10(join(temp.dir, 'nowhere')));
    expect(error.message).toMatch(/nowhere[\\/]data_batch_1\.bin: file not found/);
  });
});
