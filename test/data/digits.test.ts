import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDigitsPath, loadDigits } from '../../src/data/digits';
import { DataFormatError } from '../../src/data/errors';
import { makeTempDir } from './tempDir';

const temp = makeTempDir('digits');
afterAll(() => temp.remove());

const row = (pixels: number[], label: number | string) => [...pixels, label].join(',');
const ramp = Array.from({ length: 64 }, (_, i) => i % 17);

function writeFixture(name: string, text: string, gzip = false): string {
  const file = join(temp.dir, name);
  writeFileSync(file, gzip ? gzipSync(Buffer.from(text)) : text);
  return file;
}

async function expectFormatError(file: string, line: number, pattern: RegExp): Promise<void> {
  const error = await loadDigits(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DataFormatError);
  const { message, line: errorLine } = error as DataFormatError;
  expect(errorLine).toBe(line);
  expect(message).toContain(`${file}:${line}:`);
  expect(message).toMatch(pattern);
}

describe('loadDigits', () => {
  it('loads the embedded UCI digits: 1797 rows with the published per-class counts', async () => {
    const data = await loadDigits();
    expect(defaultDigitsPath()).toMatch(/data[\\/]digits\.csv\.gz$/);
    expect(data.labels.length).toBe(1797);
    expect(data.images.length).toBe(1797 * 64);
    expect(data.shape).toEqual([8, 8, 1]);
    expect(data.numClasses).toBe(10);
    expect(data.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const counts = new Array<number>(10).fill(0);
    for (const label of data.labels) counts[label]++;
    // counted independently with awk over the gunzipped CSV
    expect(counts).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    expect(data.labels[0]).toBe(0);
    let firstSum = 0;
    for (let i = 0; i < 64; i++) firstSum += data.images[i];
    expect(firstSum).toBeCloseTo(294 / 16, 5);
    expect(Math.min(...data.images)).toBe(0);
    expect(Math.max(...data.images)).toBe(1);
  });

  it('parses plain and gzipped fixtures identically, with pixels scaled by 1/16', async () => {
    const text = `${row(ramp, 3)}\r\n${row(ramp.map((v) => 16 - v), 9)}\n\n`;
    for (const gzip of [false, true]) {
      const data = await loadDigits(writeFixture(`ok${gzip ? '.csv.gz' : '.csv'}`, text, gzip));
      expect(Array.from(data.labels)).toEqual([3, 9]);
      expect(data.images[5]).toBeCloseTo(5 / 16, 7);
      expect(data.images[64 + 5]).toBeCloseTo(11 / 16, 7);
      expect(data.images[16]).toBe(1);
    }
  });

  it('names the file and line of a row with the wrong number of values', async () => {
    const file = writeFixture('arity.csv', `${row(ramp, 1)}\n${row(ramp.slice(1), 1)}\n`);
    await expectFormatError(file, 2, /expected 65 .* got 64/);
  });

  it('names the file and line of a non-integer value', async () => {
    const bad = ramp.slice();
    bad[10] = 2.5;
    const file = writeFixture('float.csv', `${row(ramp, 1)}\n${row(ramp, 2)}\n${row(bad, 1)}`);
    await expectFormatError(file, 3, /column 11: '2\.5' is not an integer/);
  });

  it('names the file and line of a label or pixel out of range', async () => {
    await expectFormatError(writeFixture('label.csv', row(ramp, 10)), 1, /label 10 is out of range 0\.\.9/);
    await expectFormatError(writeFixture('negative.csv', `${row(ramp, 0)}\n${row(ramp, -1)}`), 2, /label -1 is out of range/);
    const bright = ramp.slice();
    bright[0] = 17;
    await expectFormatError(writeFixture('pixel.csv', row(bright, 0)), 1, /pixel 17 is out of range 0\.\.16/);
  });

  it('reports a missing file or a corrupt gzip stream without a stack trace', async () => {
    const missing = join(temp.dir, 'absent.csv');
    const error = (await loadDigits(missing).catch((e: unknown) => e)) as DataFormatError;
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error.message).toContain(missing);
    expect(error.stack).toBe(`DataFormatError: ${error.message}`);
    const corrupt = join(temp.dir, 'corrupt.csv.gz');
    writeFileSync(corrupt, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]));
    await expect(loadDigits(corrupt)).rejects.toThrow(/corrupt\.csv\.gz.*corrupt gzip stream/);
  });
});
