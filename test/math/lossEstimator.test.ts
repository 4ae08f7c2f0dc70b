import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateUnlabeledLoss } from '../../src/math/lossEstimator';
import { fixture } from '../fixtures/fixmatch_da/load';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

const VARIANTS = [
  ['kl', true], ['kl', false], ['mse', true], ['mse', false], ['emd', true], ['emd', false],
] as const;

/** Random probability rows from integer weights (some may be 0). */
const probRows = (rows: number, cols: number) => fc.array(
  fc.array(fc.integer({ min: 0, max: 50 }), { minLength: cols, maxLength: cols }).filter((r) => r.some((v) => v > 0)),
  { minLength: rows, maxLength: rows },
).map((m) => m.map((r) => { const s = r.reduce((a, b) => a + b, 0); return r.map((v) => v / s); }));

describe('estimateUnlabeledLoss', () => {
  it('matches hand-computed values for each distance', async () => {
    await expectNoLeak(() => {
      const ref = tf.tensor2d([[0.5, 0.5, 0]]);
      const stu = tf.tensor2d([[0.25, 0.25, 0.5]]);
      const get = (distance: 'kl' | 'mse' | 'emd', entropy: boolean) => {
        const e = estimateUnlabeledLoss({ referenceProbs: ref, studentProbs: stu }, { distance, entropy });
        const v = values(e)[0];
        e.dispose();
        return v;
      };
      // H(p̃) = log 2; KL = 0.5·log 2 + 0.5·log 2 = log 2; H(p̃, p) = log 4.
      expect(get('kl', true)).toBeCloseTo(Math.log(4), 6);
      expect(get('kl', false)).toBeCloseTo(Math.log(2), 6);
      // mse: (0.0625 + 0.0625 + 0.25) / 3 = 0.125.
      expect(get('mse', false)).toBeCloseTo(0.125, 7);
      expect(get('mse', true)).toBeCloseTo(0.125 + Math.log(2), 6);
      // CDFs: (0.5, 1) vs (0.25, 0.5) → 0.25 + 0.5.
      expect(get('emd', false)).toBeCloseTo(0.75, 7);
      expect(get('emd', true)).toBeCloseTo(0.75 + Math.log(2), 6);
      tf.dispose([ref, stu]);
    });
  });

  it('matches the float64 torch fixture for all six variants (incl. a 1e-11 probability)', async () => {
    await expectNoLeak(() => {
      const ref = tf.tensor2d(fixture.estimator.reference);
      const stu = tf.tensor2d(fixture.estimator.student);
      for (const [distance, entropy] of VARIANTS) {
        const e = estimateUnlabeledLoss({ referenceProbs: ref, studentProbs: stu }, { distance, entropy });
        expectClose(values(e), fixture.estimator.values[`${distance}_${entropy ? 'entropy' : 'plain'}`], 2e-5, 2e-5);
        e.dispose();
      }
      tf.dispose([ref, stu]);
    });
  });

  it('default (kl + entropy) equals H(p̃) + KL(p̃‖p), and is ≥ 0', async () => {
    await expectNoLeak(() => {
      fc.assert(fc.property(probRows(3, 4), probRows(3, 4), (r, s) => {
        tf.tidy(() => {
          const ref = tf.tensor2d(r);
          const stu = tf.tensor2d(s);
          const both = values(estimateUnlabeledLoss({ referenceProbs: ref, studentProbs: stu }));
          const kl = values(estimateUnlabeledLoss({ referenceProbs: ref, studentProbs: stu }, { entropy: false }));
          const h = values(estimateUnlabeledLoss({ referenceProbs: ref, studentProbs: ref }, { distance: 'mse', entropy: true }));
          expectClose(both, kl.map((v, i) => v + h[i]), 1e-4, 1e-5);
          expect(both.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
        });
      }), { numRuns: 40 });
    });
  });

  it('is finite for one-hot and zero-mass inputs, and 0 when p̃ = p is one-hot', async () => {
    await expectNoLeak(() => {
      const ref = tf.tensor2d([[1, 0, 0], [0, 1, 0]]);
      const stu = tf.tensor2d([[0, 0, 1], [0, 1, 0]]);
      for (const [distance, entropy] of VARIANTS) {
        const e = estimateUnlabeledLoss({ referenceProbs: ref, studentProbs: stu }, { distance, entropy });
        const v = values(e);
        expect(v.every(Number.isFinite)).toBe(true);
        expect(v[1]).toBeCloseTo(0, 6);
        e.dispose();
      }
      const kl = estimateUnlabeledLoss({ referenceProbs: ref, studentProbs: stu });
      expect(values(kl)[0]).toBeCloseTo(-Math.log(1e-8), 3);
      tf.dispose([ref, stu, kl]);
    });
  });

  it('one class gives 0 for every variant; U = 0 gives an empty vector', async () => {
    await expectNoLeak(() => {
      const one = tf.ones([2, 1]) as tf.Tensor2D;
      const empty = tf.zeros([0, 3]) as tf.Tensor2D;
      for (const [distance, entropy] of VARIANTS) {
        const e = estimateUnlabeledLoss({ referenceProbs: one, studentProbs: one }, { distance, entropy });
        expect(values(e).map(Math.abs)).toEqual([0, 0]);
        const z = estimateUnlabeledLoss({ referenceProbs: empty, studentProbs: empty }, { distance, entropy });
        expect(z.shape).toEqual([0]);
        tf.dispose([e, z]);
      }
      tf.dispose([one, empty]);
    });
  });

  it('NaN inputs give NaN estimates (no sync, no hidden replacement)', async () => {
    await expectNoLeak(() => {
      const ref = tf.tensor2d([[NaN, 0.5]]);
      const stu = tf.tensor2d([[0.5, 0.5]]);
      const e = estimateUnlabeledLoss({ referenceProbs: ref, studentProbs: stu });
      expect(Number.isNaN(values(e)[0])).toBe(true);
      tf.dispose([ref, stu, e]);
    });
  });

  it('rejects mismatched shapes, wrong dtypes and unknown distances', async () => {
    await expectNoLeak(() => {
      const a = tf.tensor2d([[0.5, 0.5]]);
      const b = tf.tensor2d([[0.2, 0.3, 0.5]]);
      const i = tf.tensor2d([[1, 0]], [1, 2], 'int32');
      expect(() => estimateUnlabeledLoss({ referenceProbs: a, studentProbs: b })).toThrow("tear-ssl.estimateUnlabeledLoss: 'referenceProbs' [1,2] and 'studentProbs' [1,3] must have the same shape");
      expect(() => estimateUnlabeledLoss({ referenceProbs: a, studentProbs: i })).toThrow("argument 'studentProbs' must have dtype float32, got int32");
      expect(() => estimateUnlabeledLoss({ referenceProbs: a, studentProbs: a }, { distance: 'l1' as 'kl' })).toThrow("option 'distance' must be one of 'kl', 'mse', 'emd', got 'l1'");
      tf.dispose([a, b, i]);
    });
  });
});
