import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeSplit, stratifiedQuotas } from '../../src/data/splits';
import { TearArgumentError } from '../../src/util/checks';

const ISIC_SHAPE = [6000, 996, 983, 460, 293, 127, 103];

const countPerClass = (labels: Int32Array, picked: Int32Array, numClasses: number): number[] => {
  const counts = new Array<number>(numClasses).fill(0);
  for (const i of picked) counts[labels[i]]++;
  return counts;
};

/** Labels with `sizes[c]` samples of class c, interleaved so index order carries no class information. */
function labelsOfSizes(sizes: readonly number[]): Int32Array {
  const labels: number[] = [];
  sizes.forEach((n, c) => { for (let k = 0; k < n; k++) labels.push(c); });
  return Int32Array.from(labels.map((l, i) => ({ l, key: (i * 7919) % labels.length })).sort((a, b) => a.key - b.key).map((x) => x.l));
}

describe('stratifiedQuotas (largest remainder, at least one per class)', () => {
  it('350 over the isic2018 shape: by hand 234/39/38/18/12/5/4', () => {
    // N = 8962; ideal 350·n/N = 234.32, 38.90, 38.39, 17.96, 11.44, 4.96, 4.02; floors sum to 346;
    // the 4 largest remainders (.965 of 460, .960 of 127, .898 of 996, .443 of 293) get one more each.
    for (const seed of [0, 1, 12345]) expect(stratifiedQuotas(350, ISIC_SHAPE, seed)).toEqual([234, 39, 38, 18, 12, 5, 4]);
    // 70 of them: ideal 46.86, 7.78, 7.68, 3.59, 2.29, 0.99, 0.80 → floors (min 1) 46, 7, 7, 3, 2, 1, 1 = 67;
    // remainders .86, .78, .68, .59, .29 (the two floored classes have none): the first three get one more.
    expect(stratifiedQuotas(70, ISIC_SHAPE, 0)).toEqual([47, 8, 8, 3, 2, 1, 1]);
  });

  it('more hand examples: a shortfall, an excess forced by the minimum of one, and 0', () => {
    expect(stratifiedQuotas(7, [50, 30, 20], 0)).toEqual([4, 2, 1]); // 3.5, 2.1, 1.4 → 3, 2, 1 + the .5 remainder
    expect(stratifiedQuotas(10, [50, 30, 20], 0)).toEqual([5, 3, 2]); // exact
    // 9.90, 0.05, 0.05 → 9, 1, 1 = 11 > 10: one back from the largest quota
    expect(stratifiedQuotas(10, [1000, 5, 5], 0)).toEqual([8, 1, 1]);
    expect(stratifiedQuotas(5, [1000, 1, 1, 1, 1], 7)).toEqual([1, 1, 1, 1, 1]);
    expect(stratifiedQuotas(0, [3, 0, 2], 0)).toEqual([0, 0, 0]);
  });

  it('breaks remainder ties in a seeded class order: deterministic per seed, each tied class chosen by some seed', () => {
    const chosen = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const q = stratifiedQuotas(4, [5, 5, 5], seed);
      expect(q).toEqual(stratifiedQuotas(4, [5, 5, 5], seed));
      expect([...q].sort()).toEqual([1, 1, 2]);
      chosen.add(q.indexOf(2));
    }
    expect([...chosen].sort()).toEqual([0, 1, 2]);
  });

  it('sum = total, each ≥ 1, within 1 of the ideal unless the minimum of one forces more (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 2000 }), fc.nat(1000),
      (sizes, extra, seed) => {
        const total = sizes.length + extra;
        const n = sizes.reduce((a, b) => a + b, 0);
        const ideal = sizes.map((s) => (total * s) / n);
        const q = stratifiedQuotas(total, sizes, seed);
        expect(q.reduce((a, b) => a + b, 0)).toBe(total);
        q.forEach((v, c) => {
          expect(Number.isInteger(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(1);
          if (ideal[c] < 1) expect(v).toBe(1);
          else expect(v).toBeLessThan(ideal[c] + 1);
        });
        const floored = ideal.map((x) => Math.max(1, Math.floor(x)));
        if (floored.reduce((a, b) => a + b, 0) <= total) {
          // no excess: every quota is ⌊ideal⌋ or ⌊ideal⌋ + 1 (or the minimum 1), and the extra ones went to the largest remainders
          q.forEach((v, c) => expect(v - floored[c] === 0 || v - floored[c] === 1).toBe(true));
          const bumped = q.flatMap((v, c) => (v > floored[c] ? [ideal[c] - floored[c]] : []));
          const kept = q.flatMap((v, c) => (v === floored[c] ? [ideal[c] - floored[c]] : []));
          if (bumped.length > 0 && kept.length > 0) expect(Math.min(...bumped)).toBeGreaterThanOrEqual(Math.max(...kept) - 1e-12);
        }
      }), { numRuns: 300 });
  });

  it('refuses a total below the number of classes and an empty class', () => {
    expect(() => stratifiedQuotas(2, [5, 5, 5], 0)).toThrow(TearArgumentError);
    expect(() => stratifiedQuotas(2, [5, 5, 5], 0)).toThrow(/stratifiedQuotas: a stratified split of 2 needs at least one sample per class \(≥ 3\)/);
    expect(() => stratifiedQuotas(4, [5, 0, 5], 0)).toThrow(/stratifiedQuotas: class 1 has no samples/);
  });
});

describe('makeSplit({ allocation: \'stratified\' })', () => {
  it('gives per-class labeled and validation counts proportional to the class sizes (hand quotas), disjoint, covering every index', () => {
    const sizes = [50, 30, 20];
    const labels = labelsOfSizes(sizes);
    for (const seed of [0, 9]) {
      const split = makeSplit(labels, { numLabeled: 7, numValidation: 10, seed, numClasses: 3, allocation: 'stratified' });
      expect(countPerClass(labels, split.labeled, 3)).toEqual([4, 2, 1]);
      expect(countPerClass(labels, split.validation, 3)).toEqual([5, 3, 2]);
      expect(countPerClass(labels, split.unlabeled, 3)).toEqual([41, 25, 17]);
      const all = [...split.labeled, ...split.validation, ...split.unlabeled].sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
    const a = makeSplit(labels, { numLabeled: 7, seed: 1, numClasses: 3, allocation: 'stratified' });
    expect(makeSplit(labels, { numLabeled: 7, seed: 1, numClasses: 3, allocation: 'stratified' })).toEqual(a);
    expect(Array.from(makeSplit(labels, { numLabeled: 7, seed: 2, numClasses: 3, allocation: 'stratified' }).labeled)).not.toEqual(Array.from(a.labeled));
    // the balanced default on the same data: ⌊7/3⌋ = 2 per class plus one
    expect(countPerClass(labels, makeSplit(labels, { numLabeled: 7, seed: 1, numClasses: 3 }).labeled, 3).sort()).toEqual([2, 2, 3]);
  });

  it('a long-tailed pool of the isic2018 shape: 350 labeled split 234/39/38/18/12/5/4', () => {
    const labels = labelsOfSizes(ISIC_SHAPE);
    const split = makeSplit(labels, { numLabeled: 350, numValidation: 70, seed: 3, numClasses: 7, allocation: 'stratified' });
    expect(countPerClass(labels, split.labeled, 7)).toEqual([234, 39, 38, 18, 12, 5, 4]);
    expect(countPerClass(labels, split.validation, 7)).toEqual([47, 8, 8, 3, 2, 1, 1]);
  });

  it('refuses an unknown allocation, naming the option, and a stratified total below the number of classes', () => {
    const labels = labelsOfSizes([5, 5]);
    expect(() => makeSplit(labels, { numLabeled: 2, seed: 0, numClasses: 2, allocation: 'proportional' as never }))
      .toThrow(/makeSplit: option 'allocation' must be one of balanced, stratified, got proportional/);
    expect(() => makeSplit(labels, { numLabeled: 1, seed: 0, numClasses: 2, allocation: 'stratified' })).toThrow(TearArgumentError);
  });
});
