import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { binaryRocAuc } from '../../src/metrics/rocAuc';
import { rocAucOneVsRest, rocAucPerClass } from '../../src/metrics/rocAucOneVsRest';
import { averageRanks } from '../../src/metrics/averageRanks';

/** Independent reference: fraction of (positive, negative) pairs ordered correctly, ties 1/2. */
function pairwiseAuc(labels: number[], scores: number[]): number {
  let s = 0;
  let pairs = 0;
  labels.forEach((li, i) => labels.forEach((lj, j) => {
    if (li === 1 && lj === 0) {
      pairs += 1;
      s += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }));
  return s / pairs;
}

describe('averageRanks', () => {
  it('gives tied values their mean rank', () => {
    expect(Array.from(averageRanks([10, 20, 20, 5, 20]))).toEqual([2, 4, 4, 1, 4]);
    expect(Array.from(averageRanks([]))).toEqual([]);
  });
});

describe('binaryRocAuc', () => {
  it('known cases: 0.75, all tied 0.5, perfect 1, reversed 0', () => {
    expect(binaryRocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(binaryRocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(binaryRocAuc([0, 0, 1], [0.1, 0.2, 0.9])).toBe(1);
    expect(binaryRocAuc([1, 0, 0], [0.1, 0.2, 0.9])).toBe(0);
    // one tied positive/negative pair out of 4: (3 + 0.5) / 4
    expect(binaryRocAuc([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9])).toBeCloseTo(0.875, 12);
  });

  it('is NaN when a class is missing', () => {
    expect(binaryRocAuc([1, 1], [0.2, 0.3])).toBeNaN();
    expect(binaryRocAuc([], [])).toBeNaN();
  });

  it('property: equals the pairwise count and is invariant to strictly increasing transforms', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 6 })), { minLength: 2, maxLength: 30 })
        .filter((a) => a.some((p) => p[0] === 1) && a.some((p) => p[0] === 0)),
      (pairs) => {
        const labels = pairs.map((p) => p[0]);
        const scores = pairs.map((p) => p[1] / 6);
        const auc = binaryRocAuc(labels, scores);
        expect(auc).toBeCloseTo(pairwiseAuc(labels, scores), 12);
        expect(binaryRocAuc(labels, scores.map((s) => Math.exp(3 * s) - 7))).toBeCloseTo(auc, 12);
        expect(binaryRocAuc(labels, scores.map((s) => -s))).toBeCloseTo(1 - auc, 12);
      }), { numRuns: 200 });
  });
});

describe('rocAucOneVsRest', () => {
  const yTrue = [0, 1, 2, 0, 1];
  const rows = [
    [0.7, 0.2, 0.1],
    [0.3, 0.4, 0.3],
    [0.2, 0.2, 0.6],
    [0.4, 0.5, 0.1],
    [0.5, 0.3, 0.2],
  ];

  it('averages per-class one-vs-rest AUCs (hand-computed), flat Float32Array or rows', () => {
    // class 0: pos {0.7,0.4} neg {0.3,0.2,0.5} → (3 + 2)/6; class 1: pos {0.4,0.3} neg {0.2,0.2,0.5} → (2 + 2)/6;
    // class 2: pos {0.6} neg {0.1,0.3,0.1,0.2} → 1
    const expected = [5 / 6, 4 / 6, 1];
    const perClass = rocAucPerClass(yTrue, rows, 3);
    expected.forEach((e, k) => expect(perClass[k]).toBeCloseTo(e, 12));
    expect(rocAucOneVsRest(yTrue, rows, 3)).toBeCloseTo((5 / 6 + 4 / 6 + 1) / 3, 12);
    expect(rocAucOneVsRest(yTrue, Float32Array.from(rows.flat()), 3)).toBeCloseTo((5 / 6 + 4 / 6 + 1) / 3, 6);
  });

  it('skips classes absent from yTrue and is NaN with a single class present', () => {
    const perClass = rocAucPerClass([0, 1], [[0.9, 0.1, 0], [0.2, 0.8, 0]], 3);
    expect(perClass.slice(0, 2)).toEqual([1, 1]);
    expect(perClass[2]).toBeNaN();
    expect(rocAucOneVsRest([0, 1], [[0.9, 0.1, 0], [0.2, 0.8, 0]], 3)).toBe(1);
    expect(rocAucOneVsRest([1, 1], [[0.9, 0.1], [0.2, 0.8]], 2)).toBeNaN();
    expect(rocAucOneVsRest([], [], 2)).toBeNaN();
  });

  it('rejects a probs array of the wrong size, naming N·C', () => {
    expect(() => rocAucOneVsRest([0, 1], [0.1, 0.9, 0.5], 2)).toThrow(/rocAucOneVsRest.*probs.*N·C/);
    expect(() => rocAucOneVsRest([0, 1], [[0.1, 0.9], [0.5]], 2)).toThrow(/row 1/);
  });
});
