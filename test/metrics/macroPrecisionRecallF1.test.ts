import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { macroPrecisionRecallF1 } from '../../src/metrics/macroPrecisionRecallF1';
import { expectClose } from '../helpers/tensors';

describe('macroPrecisionRecallF1', () => {
  it('matches hand-computed per-class and macro values', () => {
    // m = [[1,1,0],[0,2,1],[1,0,1]]
    const r = macroPrecisionRecallF1([0, 0, 1, 1, 1, 2, 2], [0, 1, 1, 1, 2, 2, 0], 3);
    const p = [1 / 2, 2 / 3, 1 / 2];
    const rc = [1 / 2, 2 / 3, 1 / 2];
    const f = [1 / 2, 2 / 3, 1 / 2];
    expectClose(r.perClass.precision, p, 1e-12);
    expectClose(r.perClass.recall, rc, 1e-12);
    expectClose(r.perClass.f1, f, 1e-12);
    expect(r.perClass.support).toEqual([2, 3, 2]);
    expect(r.precision).toBeCloseTo(5 / 9, 12);
    expect(r.f1).toBeCloseTo(5 / 9, 12);
  });

  it('uses 0/0 = 0 and averages over classes seen in yTrue or yPred', () => {
    // class 1 is never predicted (P = 0/0 = 0), class 2 never occurs, class 3 only predicted
    const r = macroPrecisionRecallF1([0, 0, 1], [0, 0, 3], 4);
    expect(r.perClass.precision).toEqual([1, 0, 0, 0]);
    expect(r.perClass.recall).toEqual([1, 0, 0, 0]);
    expect(r.perClass.f1).toEqual([1, 0, 0, 0]);
    expect(r.precision).toBeCloseTo(1 / 3, 12);
    expect(r.recall).toBeCloseTo(1 / 3, 12);
    expect(r.f1).toBeCloseTo(1 / 3, 12);
  });

  it('gives NaN macro values on empty input', () => {
    const r = macroPrecisionRecallF1([], [], 2);
    expect(r.precision).toBeNaN();
    expect(r.perClass.f1).toEqual([0, 0]);
  });

  it('property: perfect predictions give 1; every value in [0, 1]', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 30, maxLength: 30 }), (t, noise) => {
        const perfect = macroPrecisionRecallF1(t, t, 4);
        expect([perfect.precision, perfect.recall, perfect.f1]).toEqual([1, 1, 1]);
        const r = macroPrecisionRecallF1(t, noise.slice(0, t.length), 4);
        for (const v of [r.precision, r.recall, r.f1]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }), { numRuns: 100 });
  });
});
