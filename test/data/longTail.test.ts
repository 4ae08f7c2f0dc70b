import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  indicesOfClasses, ISIC2018_CLASS_COUNTS, keptClasses, LONG_TAIL_PRESET_NAMES, LONG_TAIL_PRESETS, longTailPool, scaleCounts, selectSamples,
} from '../../src/data/longTail';
import type { ImageDataset } from '../../src/data/types';
import { TearArgumentError } from '../../src/util/checks';

/** n samples of 2×1×1 images: sample i is (i, −i), label labelOf(i). */
function tinyDataset(labels: number[], numClasses: number, ids = false): ImageDataset {
  const images = new Float32Array(labels.length * 2);
  labels.forEach((_, i) => { images[2 * i] = i; images[2 * i + 1] = -i; });
  const d: ImageDataset = {
    images, labels: Int32Array.from(labels), shape: [2, 1, 1], numClasses, classNames: Array.from({ length: numClasses }, (_, c) => `k${c}`),
  };
  if (ids) d.ids = labels.map((_, i) => `id${i}`);
  return d;
}

const perClass = (labels: ArrayLike<number>, picked: ArrayLike<number>, numClasses: number): number[] => {
  const out = new Array<number>(numClasses).fill(0);
  for (let k = 0; k < picked.length; k++) out[labels[picked[k]]]++;
  return out;
};

describe('keptClasses and indicesOfClasses', () => {
  it('keep the classes with a count > 0 in order, and the samples of given classes in ascending order', () => {
    expect(keptClasses([5, 0, 3, 0, 1])).toEqual([0, 2, 4]);
    expect(keptClasses([0, 0])).toEqual([]);
    const labels = Int32Array.from([2, 0, 1, 2, 3, 0]);
    expect(Array.from(indicesOfClasses(labels, [0, 2]))).toEqual([0, 1, 3, 5]);
    expect(Array.from(indicesOfClasses(labels, [2, 0]))).toEqual([0, 1, 3, 5]);
    expect(Array.from(indicesOfClasses(labels, []))).toEqual([]);
  });
});

describe('selectSamples', () => {
  it('relabels to 0..k−1 in the order of `classes`, copies the images, keeps ids and names', () => {
    const d = tinyDataset([0, 1, 2, 3, 1, 3, 0], 4, true);
    const subset = selectSamples(d, Int32Array.from([1, 3, 5, 4]), [1, 3]);
    expect(Array.from(subset.labels)).toEqual([0, 1, 1, 0]);
    expect(Array.from(subset.images)).toEqual([1, -1, 3, -3, 5, -5, 4, -4]);
    expect(subset.numClasses).toBe(2);
    expect(subset.classNames).toEqual(['k1', 'k3']);
    expect(subset.ids).toEqual(['id1', 'id3', 'id5', 'id4']);
    expect(subset.shape).toEqual([2, 1, 1]);
    expect(subset.shape).not.toBe(d.shape);
    // a copy: changing either leaves the other alone
    subset.images[0] = 99;
    expect(d.images[2]).toBe(1);
    d.images[6] = 42;
    expect(subset.images[2]).toBe(3);
    // classes in another order give other labels; names replace the originals
    const swapped = selectSamples(d, Int32Array.from([1, 3]), [3, 1], ['MEL', 'NV']);
    expect(Array.from(swapped.labels)).toEqual([1, 0]);
    expect(swapped.classNames).toEqual(['MEL', 'NV']);
    expect(selectSamples(tinyDataset([0, 1], 2), Int32Array.from([0]), [0, 1]).ids).toBeUndefined();
  });

  it('refuses, naming the fault: an unknown or repeated class, a sample of a class not kept, too few classes, bad names or indices', () => {
    const d = tinyDataset([0, 1, 2, 0], 3);
    const cases: Array<[() => unknown, RegExp]> = [
      [() => selectSamples(d, Int32Array.from([0]), [0, 5]), /selectSamples: class 5 is out of range \[0, 3\)/],
      [() => selectSamples(d, Int32Array.from([0]), [0, -1]), /class -1 is out of range/],
      [() => selectSamples(d, Int32Array.from([0]), [0, 0]), /class 0 is listed twice/],
      [() => selectSamples(d, Int32Array.from([0, 2]), [0, 1]), /sample 2 has class 2, which is not kept/],
      [() => selectSamples(d, Int32Array.from([0]), [0]), /keep at least two classes, got 1/],
      [() => selectSamples(d, Int32Array.from([0]), [0, 1], ['a']), /'names' has 1 entries, expected 2/],
      [() => selectSamples(d, Int32Array.from([7]), [0, 1]), /indices\[0\] = 7 is out of range \[0, 4\)/],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(TearArgumentError);
      expect(f).toThrow(message);
    }
  });
});

describe('longTailPool', () => {
  // 5 classes, 20 samples each, interleaved
  const labels = Int32Array.from({ length: 100 }, (_, i) => (i * 3) % 5);
  const counts = [20, 7, 0, 3, 1];

  it('picks exactly counts[c] samples of each class, distinct and sorted (property over seeds and counts)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 5, maxLength: 5 }), fc.nat(1_000_000), (cs, seed) => {
      const pool = longTailPool(labels, cs, seed, 5);
      expect(perClass(labels, pool, 5)).toEqual(cs);
      expect(new Set(pool).size).toBe(pool.length);
      for (let k = 1; k < pool.length; k++) expect(pool[k]).toBeGreaterThan(pool[k - 1]);
    }), { numRuns: 50 });
  });

  it('is deterministic for a seed and differs across seeds; the draw of a class does not depend on the other counts', () => {
    const a = Array.from(longTailPool(labels, counts, 3, 5));
    expect(Array.from(longTailPool(labels, counts, 3, 5))).toEqual(a);
    const b = Array.from(longTailPool(labels, counts, 4, 5));
    expect(b).not.toEqual(a);
    const draws = new Set([3, 4, 5, 6, 7].map((s) => JSON.stringify(Array.from(longTailPool(labels, counts, s, 5)))));
    expect(draws.size).toBe(5);
    const ofClass = (pool: number[], c: number) => pool.filter((i) => labels[i] === c);
    const other = Array.from(longTailPool(labels, [20, 7, 10, 0, 2], 3, 5));
    expect(ofClass(other, 1)).toEqual(ofClass(a, 1));
    // a class asked for all its samples gets all of them
    expect(ofClass(a, 0)).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => labels[i] === 0));
  });

  it('refuses too few samples, naming the class, and counts that are not one non-negative integer per class', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => longTailPool(labels, [20, 21, 0, 0, 0], 1, 5), /longTailPool: class 1 has 20 samples, 21 asked for/],
      [() => longTailPool(labels, [1, 1, 1], 1, 5), /'counts' has 3 entries, expected one per class \(5\)/],
      [() => longTailPool(labels, [1, 1.5, 1, 1, 1], 1, 5), /counts\[1\] must be a non-negative integer, got 1.5/],
      [() => longTailPool(labels, [1, 1, -1, 1, 1], 1, 5), /counts\[2\] must be a non-negative integer, got -1/],
      [() => longTailPool(Int32Array.from([0, 1, 7]), [1, 1], 1, 2), /longTailPool: labels\[2\] = 7 is out of range \[0, 2\)/],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(TearArgumentError);
      expect(f).toThrow(message);
    }
  });
});

describe('scaleCounts and the isic2018 preset', () => {
  it('scaleCounts: round(s·largest/max), at least 1 for s > 0, 0 for s = 0 (by hand)', () => {
    expect(scaleCounts([10, 5, 1, 0], 100)).toEqual([100, 50, 10, 0]);
    expect(scaleCounts([1000, 1, 25], 10)).toEqual([10, 1, 1]); // 0.01 and 0.25 round to 0: floored to 1
    expect(scaleCounts([4, 1], 10)).toEqual([10, 3]); // 2.5 rounds up
  });

  it('isic2018: Fashion-MNIST counts 6000/996/983/460/293/127/103 at T-shirt=NV, Shirt=MEL, Pullover=BKL, Coat=BCC, Dress=AKIEC, Sneaker=VASC, Sandal=DF', () => {
    expect(LONG_TAIL_PRESET_NAMES).toEqual(['isic2018']);
    const preset = LONG_TAIL_PRESETS.isic2018;
    expect(preset.dataset).toBe('fashion-mnist');
    // Fashion-MNIST order: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot
    expect([...preset.counts]).toEqual([6000, 0, 983, 293, 460, 103, 996, 127, 0, 0]);
    expect([...preset.classNames]).toEqual([
      'T-shirt/top (NV)', 'Pullover (BKL)', 'Dress (AKIEC)', 'Coat (BCC)', 'Sandal (DF)', 'Shirt (MEL)', 'Sneaker (VASC)',
    ]);
    // the ISIC 2018 Task 3 training counts, and each preset count = round(6000·n/6705) of them
    expect(ISIC2018_CLASS_COUNTS).toEqual({ NV: 6705, MEL: 1113, BKL: 1099, BCC: 514, AKIEC: 327, VASC: 142, DF: 115 });
    const byHand = { NV: 6000, MEL: 996, BKL: 983, BCC: 460, AKIEC: 293, VASC: 127, DF: 103 };
    for (const [isic, n] of Object.entries(ISIC2018_CLASS_COUNTS)) expect(Math.round((6000 * n) / 6705), isic).toBe(byHand[isic as keyof typeof byHand]);
    // ≈ 58 : 1, as the description says
    expect(Math.round(6000 / 103)).toBe(58);
    expect(preset.description).toMatch(/58 : 1/);
  });
});
