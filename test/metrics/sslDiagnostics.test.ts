import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { maskRate, pseudoLabelAccuracy, spearmanCorrelation, trueLabelLosses } from '../../src/metrics/sslDiagnostics';

describe('maskRate', () => {
  it('is the mean of the mask; NaN when empty', () => {
    expect(maskRate([1, 0, 1, 1])).toBe(0.75);
    expect(maskRate(Float32Array.from([0, 0]))).toBe(0);
    expect(maskRate([])).toBeNaN();
  });
});

describe('pseudoLabelAccuracy', () => {
  it('counts all samples without a mask and only masked ones with it', () => {
    expect(pseudoLabelAccuracy([0, 1, 2, 2], [0, 1, 1, 0])).toBe(0.5);
    expect(pseudoLabelAccuracy([0, 1, 2, 2], [0, 1, 1, 0], [1, 0, 1, 0])).toBe(0.5);
    expect(pseudoLabelAccuracy([0, 1, 2, 2], [0, 1, 1, 0], [1, 1, 0, 0])).toBe(1);
    expect(pseudoLabelAccuracy([0, 1], [0, 1], [0, 0])).toBeNaN();
    expect(() => pseudoLabelAccuracy([0, 1], [0, 1], [1])).toThrow(/pseudoLabelAccuracy.*mask/);
  });
});

describe('spearmanCorrelation', () => {
  it('matches hand values', () => {
    expect(spearmanCorrelation([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearmanCorrelation([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // no ties: 1 − 6 Σd² / (n(n²−1)); ranks b = [2,1,4,3,5], Σd² = 4 → 1 − 24/120 = 0.8
    expect(spearmanCorrelation([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    // ties: a ranks [1, 2.5, 2.5, 4], b ranks [1, 2, 3, 4]; centred: [-1.5,0,0,1.5]·[-1.5,-.5,.5,1.5] = 4.5,
    // |a|² = 4.5, |b|² = 5 → 4.5 / √22.5
    expect(spearmanCorrelation([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
  });

  it('is NaN for constant input or fewer than two samples', () => {
    expect(spearmanCorrelation([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearmanCorrelation([1], [2])).toBeNaN();
    expect(spearmanCorrelation([], [])).toBeNaN();
  });

  it('property: in [−1, 1], symmetric, invariant to increasing transforms', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 })), { minLength: 2, maxLength: 25 }),
      (pairs) => {
        const a = pairs.map((p) => p[0]);
        const b = pairs.map((p) => p[1]);
        const r = spearmanCorrelation(a, b);
        if (Number.isNaN(r)) return;
        expect(Math.abs(r)).toBeLessThanOrEqual(1 + 1e-12);
        expect(spearmanCorrelation(b, a)).toBeCloseTo(r, 12);
        expect(spearmanCorrelation(a.map((v) => v ** 3 + 2), b)).toBeCloseTo(r, 12);
      }), { numRuns: 200 });
  });
});

describe('trueLabelLosses', () => {
  it('is −log p_y per row, floored at 1e-8, and names bad labels and sizes', () => {
    const probs = [0.5, 0.25, 0.25, 0, 1, 0];
    expect(Array.from(trueLabelLosses(probs, [0, 0], 3))).toEqual([Math.log(2), -Math.log(1e-8)]);
    expect(Array.from(trueLabelLosses(probs, [2, 1], 3))).toEqual([Math.log(4), -0]);
    expect(() => trueLabelLosses(probs, [3, 0], 3)).toThrow('label 3 at index 0 is outside [0, 3)');
    expect(() => trueLabelLosses(probs, [0], 3)).toThrow("'probs' has 6 values, expected 1·3");
  });
});
