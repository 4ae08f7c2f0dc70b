import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { confusionMatrix } from '../../src/metrics/confusionMatrix';
import { top1Accuracy } from '../../src/metrics/top1Accuracy';
import { balancedAccuracy } from '../../src/metrics/balancedAccuracy';
import { perClassAccuracy } from '../../src/metrics/perClassAccuracy';
import { TearArgumentError } from '../../src/util/checks';

describe('confusionMatrix', () => {
  it('counts rows = true, columns = predicted (hand-computed)', () => {
    const yTrue = [0, 0, 1, 1, 1, 2, 2];
    const yPred = [0, 1, 1, 1, 2, 2, 0];
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [1, 1, 0],
      [0, 2, 1],
      [1, 0, 1],
    ]);
  });

  it('accepts typed arrays and keeps empty classes as zero rows/columns', () => {
    expect(confusionMatrix(Int32Array.from([0, 2]), Float32Array.from([2, 2]), 4)).toEqual([
      [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0],
    ]);
    expect(confusionMatrix([], [], 2)).toEqual([[0, 0], [0, 0]]);
  });

  it('rejects labels outside [0, C), non-integers and length mismatches', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/confusionMatrix.*yTrue.*\[1\] = 3/);
    expect(() => confusionMatrix([0, 1], [0, 0.5], 3)).toThrow(TearArgumentError);
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow(/same length/);
    expect(() => confusionMatrix([0], [0], 0)).toThrow(/numClasses/);
  });
});

describe('top1Accuracy / perClassAccuracy / balancedAccuracy', () => {
  const yTrue = [0, 0, 0, 0, 1, 1, 2];
  const yPred = [0, 0, 0, 1, 1, 0, 0];

  it('match hand values', () => {
    expect(top1Accuracy(yTrue, yPred)).toBeCloseTo(4 / 7, 12);
    expect(perClassAccuracy(yTrue, yPred, 3)).toEqual([3 / 4, 1 / 2, 0]);
    expect(balancedAccuracy(yTrue, yPred, 3)).toBeCloseTo((0.75 + 0.5 + 0) / 3, 12);
  });

  it('skip classes absent from yTrue (NaN per class, left out of the mean)', () => {
    const acc = perClassAccuracy([0, 0, 2], [0, 1, 2], 4);
    expect(acc[0]).toBe(0.5);
    expect(acc[1]).toBeNaN();
    expect(acc[2]).toBe(1);
    expect(acc[3]).toBeNaN();
    expect(balancedAccuracy([0, 0, 2], [0, 1, 2], 4)).toBeCloseTo(0.75, 12);
  });

  it('give NaN on empty input', () => {
    expect(top1Accuracy([], [])).toBeNaN();
    expect(balancedAccuracy([], [], 3)).toBeNaN();
  });

  it('property: balanced accuracy lies in [0, 1] and equals accuracy when every class has the same support', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 5 }).chain((c) => fc.tuple(fc.constant(c),
        fc.array(fc.tuple(fc.integer({ min: 0, max: c - 1 }), fc.integer({ min: 0, max: c - 1 })), { minLength: 1, maxLength: 40 }))),
      ([c, pairs]) => {
        const t = pairs.map((p) => p[0]);
        const p = pairs.map((q) => q[1]);
        const b = balancedAccuracy(t, p, c);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThanOrEqual(1);
        // repeating every pair once per class, with true labels rotated, makes supports equal
        const t2: number[] = [];
        const p2: number[] = [];
        for (let s = 0; s < c; s++) pairs.forEach(([a, q]) => { t2.push((a + s) % c); p2.push((q + s) % c); });
        expect(balancedAccuracy(t2, p2, c)).toBeCloseTo(top1Accuracy(t2, p2), 10);
      }), { numRuns: 100 });
  });
});
