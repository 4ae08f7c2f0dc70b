import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../src/data/errors';
import { gunzipIfNeeded } from '../../src/data/gzip';
import { FASHION_MNIST_CLASS_NAMES, loadIdx } from '../../src/data/idx';
import { makeTempDir } from './tempDir';

const temp = makeTempDir('idx');
afterAll(() => temp.remove());

/** An IDX file of unsigned bytes: big-endian magic 0x000008d, the dims, then the values. */
function idxBytes(dims: number[], values: number[], magic = 0x0800 + dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

interface Fixture { trainImages?: Buffer; trainLabels?: Buffer; testImages?: Buffer; testLabels?: Buffer }

/** Train: 3 images of 2×3 with pixel value 10·i + p; test: 2 images. Labels chosen per test. */
function goodFixture(): Required<Fixture> {
  const pixels = (n: number) => Array.from({ length: n * 6 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6));
  return {
    trainImages: idxBytes([3, 2, 3], pixels(3)),
    trainLabels: idxBytes([3], [7, 0, 9]),
    testImages: idxBytes([2, 2, 3], pixels(2).map((v) => 255 - v)),
    testLabels: idxBytes([2], [1, 2]),
  };
}

let fixtureCount = 0;
function writeIdxDir(fixture: Fixture, gzip: boolean, plainNames = false): string {
  const dir = join(temp.dir, `set${fixtureCount++}`);
  mkdirSync(dir);
  const full = { ...goodFixture(), ...fixture };
  const names: Record<keyof Fixture, string> = {
    trainImages: 'train-images-idx3-ubyte', trainLabels: 'train-labels-idx1-ubyte',
    testImages: 't10k-images-idx3-ubyte', testLabels: 't10k-labels-idx1-ubyte',
  };
  for (const key of Object.keys(names) as Array<keyof Fixture>) {
    // plainNames: gzipped content under names without .gz (the loader detects gzip by its magic)
    writeFileSync(join(dir, names[key] + (gzip && !plainNames ? '.gz' : '')), gzip ? gzipSync(full[key]) : full[key]);
  }
  return dir;
}

async function formatError(promise: Promise<unknown>): Promise<DataFormatError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DataFormatError);
  return error as DataFormatError;
}

describe('loadIdx', () => {
  for (const [gzip, plainNames] of [[false, false], [true, false], [true, true]]) {
    it(`parses IDX fixtures (gzip ${gzip}, .gz names ${!plainNames})`, async () => {
      const { train, test } = await loadIdx(writeIdxDir({}, gzip, plainNames), { kind: 'fashion-mnist' });
      expect(train.shape).toEqual([2, 3, 1]);
      expect(Array.from(train.labels)).toEqual([7, 0, 9]);
      expect(train.images.length).toBe(18);
      expect(train.images[6 + 4]).toBeCloseTo(14 / 255, 7);
      expect(Array.from(test.labels)).toEqual([1, 2]);
      expect(test.images[0]).toBe(1);
      expect(train.classNames[9]).toBe('Ankle boot');
      expect(test.numClasses).toBe(10);
    });
  }

  it('gives MNIST digit class names', async () => {
    const { train } = await loadIdx(writeIdxDir({}, false), { kind: 'mnist' });
    expect(train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('rejects a wrong magic number, naming the file and offset 0', async () => {
    const dir = writeIdxDir({ trainLabels: idxBytes([3], [7, 0, 9], 2051) }, false);
    const error = await formatError(loadIdx(dir, { kind: 'mnist' }));
    expect(error.file).toBe(join(dir, 'train-labels-idx1-ubyte'));
    expect(error.offset).toBe(0);
    expect(error.message).toMatch(/magic number 2051, expected 2049/);
    const imagesDir = writeIdxDir({ testImages: idxBytes([2, 6], new Array(12).fill(0)) }, true);
    expect((await formatError(loadIdx(imagesDir, { kind: 'mnist' }))).message)
      .toMatch(/t10k-images-idx3-ubyte\.gz \(byte offset 0\): magic number 2050, expected 2051/);
  });

  it('reports a truncated file with expected and actual byte counts (plain and gzipped)', async () => {
    const cut = idxBytes([3, 2, 3], new Array(18).fill(1)).subarray(0, 16 + 17);
    const plain = await formatError(loadIdx(writeIdxDir({ trainImages: cut }, false), { kind: 'mnist' }));
    expect(plain.message).toMatch(/train-images-idx3-ubyte \(byte offset 33\): truncated file: dimensions \[3, 2, 3\] need 34 bytes, got 33/);
    const gz = await formatError(loadIdx(writeIdxDir({ trainImages: cut }, true), { kind: 'mnist' }));
    expect(gz.message).toMatch(/train-images-idx3-ubyte\.gz .*need 34 bytes, got 33 after gunzip/);
    const header = await formatError(loadIdx(writeIdxDir({ testLabels: idxBytes([2], []).subarray(0, 6) }, false), { kind: 'mnist' }));
    expect(header.message).toMatch(/t10k-labels-idx1-ubyte .*truncated header: expected 8 bytes, got 6/);
    const extra = await formatError(loadIdx(writeIdxDir({ testLabels: idxBytes([2], [1, 2, 3]) }, false), { kind: 'mnist' }));
    expect(extra.message).toMatch(/trailing data: dimensions \[2\] need 10 bytes, got 11/);
  });

  it('rejects a label out of range at its byte offset, and mismatched counts', async () => {
    const bad = await formatError(loadIdx(writeIdxDir({ trainLabels: idxBytes([3], [7, 10, 9]) }, false), { kind: 'mnist' }));
    expect(bad.offset).toBe(9);
    expect(bad.message).toMatch(/train-labels-idx1-ubyte \(byte offset 9\): label 10 of sample 1 is out of range 0\.\.9/);
    const count = await formatError(loadIdx(writeIdxDir({ testLabels: idxBytes([3], [1, 2, 3]) }, false), { kind: 'mnist' }));
    expect(count.message).toMatch(/3 labels but .*t10k-images-idx3-ubyte holds 2 images/);
  });

  it('rejects 0×0 images and an empty image file as data errors naming the file', async () => {
    const zero = writeIdxDir({ trainImages: idxBytes([3, 0, 0], []) }, false);
    const error = await loadIdx(zero, { kind: 'mnist' }).catch((e: unknown) => e) as DataFormatError;
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error.message).toContain(`${join(zero, 'train-images-idx3-ubyte')} (byte offset 8): images are 0×0`);
    const empty = writeIdxDir({ testImages: idxBytes([0, 2, 3], []), testLabels: idxBytes([0], []) }, true);
    const none = await loadIdx(empty, { kind: 'mnist' }).catch((e: unknown) => e) as DataFormatError;
    expect(none).toBeInstanceOf(DataFormatError);
    expect(none.message).toContain('t10k-images-idx3-ubyte.gz (byte offset 4): holds no images');
  });

  it('rejects test images of another size than the training images', async () => {
    const dir = writeIdxDir({ testImages: idxBytes([2, 3, 2], Array.from({ length: 12 }, () => 0)) }, false);
    const error = await loadIdx(dir, { kind: 'mnist' }).catch((e: unknown) => e) as DataFormatError;
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error.message).toContain('t10k-images-idx3-ubyte (byte offset 8): test images are 3×2, the training images 2×3');
  });

  it('stops gunzip at the size cap: a small gzip bomb is a data error, not an out-of-memory', () => {
    const bomb = gzipSync(Buffer.alloc(64 * 2 ** 20));
    expect(bomb.length).toBeLessThan(2 ** 17);
    let error: unknown;
    try {
      gunzipIfNeeded(bomb, 'bomb.gz', { maxBytes: 2 ** 20 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as Error).message).toBe('tear-ssl: bomb.gz (byte offset 0): gzip stream expands past 1048576 bytes (the most this reader accepts); not a data file of this format');
    expect(Array.from(gunzipIfNeeded(gzipSync(Buffer.from([1, 2, 3])), 'small.gz', { maxBytes: 3 }))).toEqual([1, 2, 3]);
  });

  it('names the folder and the expected file names when a file is missing', async () => {
    const error = await formatError(loadIdx(temp.dir, { kind: 'mnist' }));
    expect(error.file).toBe(temp.dir);
    expect(error.message).toMatch(/no train images file: looked for train-images-idx3-ubyte\.gz, train-images-idx3-ubyte/);
  });

  it('loads the real Fashion-MNIST when /usr/share/datasets/fashion-mnist is installed, and otherwise reports it missing', async () => {
    const dir = '/usr/share/datasets/fashion-mnist';
    if (!existsSync(join(dir, 'train-images-idx3-ubyte.gz'))) {
      // dataset-fashion-mnist (Debian) is not installed on this machine: the loader must say so, naming the folder
      expect((await formatError(loadIdx(dir, { kind: 'fashion-mnist' }))).message).toContain(dir);
      return;
    }
    const { train, test } = await loadIdx(dir, { kind: 'fashion-mnist' });
    expect(train.labels.length).toBe(60000);
    expect(test.labels.length).toBe(10000);
    expect(train.shape).toEqual([28, 28, 1]);
    expect(train.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
    const trainCounts = new Array<number>(10).fill(0);
    for (const label of train.labels) trainCounts[label]++;
    const testCounts = new Array<number>(10).fill(0);
    for (const label of test.labels) testCounts[label]++;
    expect(trainCounts).toEqual(new Array(10).fill(6000));
    expect(testCounts).toEqual(new Array(10).fill(1000));
    expect(test.labels[0]).toBe(9); // the first test image is an ankle boot
  });
});
