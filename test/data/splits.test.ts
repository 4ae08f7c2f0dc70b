import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../src/data/errors';
import { makeSplit, readSplit, writeSplit } from '../../src/data/splits';
import { TearArgumentError } from '../../src/util/checks';
import { makeTempDir } from './tempDir';

const temp = makeTempDir('splits');
afterAll(() => temp.remove());

const countPerClass = (labels: Int32Array, picked: Int32Array, numClasses: number) => {
  const counts = new Array<number>(numClasses).fill(0);
  for (const i of picked) counts[labels[i]]++;
  return counts;
};

describe('makeSplit', () => {
  it('is class-balanced, disjoint, covers every index, and deterministic for a seed (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.nat(10_000),
      fc.array(fc.nat(20), { minLength: 6, maxLength: 6 }),
      (numClasses, perClassLabeled, perClassValidation, seed, extraPerClass) => {
        const need = perClassLabeled + perClassValidation + 1;
        const labels: number[] = [];
        for (let c = 0; c < numClasses; c++) for (let k = 0; k < need + extraPerClass[c]; k++) labels.push(c);
        // interleave the classes so index order carries no class information
        const shuffled = Int32Array.from(labels.map((l, i) => ({ l, key: (i * 7919) % labels.length })).sort((a, b) => a.key - b.key).map((x) => x.l));
        const remainder = numClasses > 1 ? seed % numClasses : 0;
        const numLabeled = perClassLabeled * numClasses + remainder;
        const options = { numLabeled, numValidation: perClassValidation * numClasses, seed, numClasses };
        const split = makeSplit(shuffled, options);
        const labeledCounts = countPerClass(shuffled, split.labeled, numClasses);
        expect(labeledCounts.reduce((a, b) => a + b, 0)).toBe(numLabeled);
        for (const count of labeledCounts) expect(count === perClassLabeled || count === perClassLabeled + 1).toBe(true);
        expect(countPerClass(shuffled, split.validation, numClasses)).toEqual(new Array(numClasses).fill(perClassValidation));
        const all = [...split.labeled, ...split.validation, ...split.unlabeled].sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: shuffled.length }, (_, i) => i));
        for (const list of [split.labeled, split.validation, split.unlabeled]) {
          for (let i = 1; i < list.length; i++) expect(list[i]).toBeGreaterThan(list[i - 1]);
        }
        const again = makeSplit(shuffled, options);
        expect(Array.from(again.labeled)).toEqual(Array.from(split.labeled));
        expect(Array.from(again.validation)).toEqual(Array.from(split.validation));
      },
    ), { numRuns: 60 });
  });

  it('differs between seeds, and spreads the remainder over different classes', () => {
    const labels = Int32Array.from({ length: 300 }, (_, i) => i % 10);
    const a = makeSplit(labels, { numLabeled: 40, seed: 1, numClasses: 10 });
    const b = makeSplit(labels, { numLabeled: 40, seed: 2, numClasses: 10 });
    expect(Array.from(a.labeled)).not.toEqual(Array.from(b.labeled));
    expect(countPerClass(labels, a.labeled, 10)).toEqual(new Array(10).fill(4));
    const extraClasses = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const counts = countPerClass(labels, makeSplit(labels, { numLabeled: 13, seed, numClasses: 10 }).labeled, 10);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(13);
      extraClasses.add(counts.map((c, k) => (c === 2 ? k : -1)).filter((k) => k >= 0).join(','));
    }
    expect(extraClasses.size).toBeGreaterThan(1);
  });

  it('fails when a class lacks samples, naming the class and the counts', () => {
    const labels = Int32Array.from([0, 0, 0, 1, 2, 2, 2]);
    expect(() => makeSplit(labels, { numLabeled: 3, numValidation: 3, seed: 0, numClasses: 3 }))
      .toThrow(/makeSplit: class 1 has 1 samples, needs 2 \(labeled 1 \+ validation 1\)/);
    expect(() => makeSplit(Int32Array.from([0, 3]), { numLabeled: 1, seed: 0, numClasses: 3 })).toThrow(TearArgumentError);
  });
});

describe('writeSplit / readSplit', () => {
  it('round-trips a split through its JSON file', async () => {
    const labels = Int32Array.from({ length: 60 }, (_, i) => (i * 7) % 4);
    const split = makeSplit(labels, { numLabeled: 9, numValidation: 4, seed: 77, numClasses: 4, dataset: 'toy' });
    const file = join(temp.dir, 'split.json');
    await writeSplit(file, split);
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(json.format).toBe('tear-ssl-split');
    expect(json.formatVersion).toBe(1);
    expect(json.seed).toBe(77);
    const back = await readSplit(file, { numSamples: 60 });
    expect(back).toEqual(split);
  });

  const base = { format: 'tear-ssl-split', formatVersion: 1, dataset: 'x', seed: 1, numClasses: 2, labeled: [0, 1], validation: [], unlabeled: [2, 3] };
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['version', { formatVersion: 2 }, 'formatVersion', /unsupported version 2/],
    ['format', { format: 'other' }, 'format', /must be 'tear-ssl-split'/],
    ['seed', { seed: 1.5 }, 'seed', /must be an integer/],
    ['dataset', { dataset: 3 }, 'dataset', /must be a string/],
    ['list type', { validation: 'none' }, 'validation', /must be an array/],
    ['negative index', { unlabeled: [2, -3] }, 'unlabeled[1]', /got -3/],
    ['duplicate', { unlabeled: [2, 1] }, 'unlabeled[1]', /index 1 also appears at labeled\[1\]/],
    ['index past numSamples', { unlabeled: [2, 4] }, 'unlabeled[1]', /\[0, 4\), got 4/],
  ];
  for (const [name, patch, field, pattern] of cases) {
    it(`rejects a bad ${name}, naming the file and the field '${field}'`, async () => {
      const file = join(temp.dir, `bad-${name.replace(/ /g, '-')}.json`);
      writeFileSync(file, JSON.stringify({ ...base, ...patch }));
      const error = await readSplit(file, { numSamples: 4 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataFormatError);
      expect((error as DataFormatError).field).toBe(field);
      expect((error as DataFormatError).message).toContain(`${file} (field '${field}')`);
      expect((error as DataFormatError).message).toMatch(pattern);
    });
  }

  it('rejects a file that is not JSON', async () => {
    const file = join(temp.dir, 'broken.json');
    writeFileSync(file, '{"format": ');
    await expect(readSplit(file)).rejects.toThrow(/broken\.json: not valid JSON/);
  });
});
