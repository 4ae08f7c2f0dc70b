import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adaplWeights } from '../../src/math/adaplWeights';
import { estimateUnlabeledLoss } from '../../src/math/lossEstimator';
import { relaxPseudoLabels } from '../../src/math/relaxPseudoLabels';
import { fixture } from '../fixtures/fixmatch_da/load';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

/** A batch: labels in [0, C), weights in [w_min, 1], reference rows (positive). */
const batch = fc.integer({ min: 2, max: 6 }).chain((c) => fc.record({
  c: fc.constant(c),
  rows: fc.array(fc.record({
    label: fc.integer({ min: 0, max: c - 1 }),
    w: fc.float({ min: Math.fround(0.5), max: 1, noNaN: true }),
    ref: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: c, maxLength: c }),
  }), { minLength: 1, maxLength: 5 }),
}));

describe('relaxPseudoLabels', () => {
  it('uniform: Q[ŷ] = w, others (1 − w)/(C − 1) (hand-computed)', async () => {
    await expectNoLeak(() => {
      const labels = tf.tensor1d([1, 0], 'int32');
      const w = tf.tensor1d([0.7, 1]);
      const q = relaxPseudoLabels({ pseudoLabels: labels, weights: w }, { numClasses: 4 });
      expectClose(values(q), [0.1, 0.7, 0.1, 0.1, 1, 0, 0, 0], 1e-7);
      tf.dispose([labels, w, q]);
    });
  });

  it('reference: the rest is spread ∝ p̃ over the other classes (hand-computed)', async () => {
    await expectNoLeak(() => {
      const labels = tf.tensor1d([0], 'int32');
      const w = tf.tensor1d([0.6]);
      const ref = tf.tensor2d([[0.5, 0.3, 0.2]]);
      const q = relaxPseudoLabels({ pseudoLabels: labels, weights: w, referenceProbs: ref }, { numClasses: 3, spread: 'reference' });
      expectClose(values(q), [0.6, 0.4 * 0.6, 0.4 * 0.4], 1e-7);
      tf.dispose([labels, w, ref, q]);
    });
  });

  it('reference falls back to uniform where p̃ has no mass off ŷ', async () => {
    await expectNoLeak(() => {
      const labels = tf.tensor1d([2, 0], 'int32');
      const w = tf.tensor1d([0.8, 0.8]);
      const ref = tf.tensor2d([[0, 0, 1], [0.5, 0.5, 0]]);
      const q = relaxPseudoLabels({ pseudoLabels: labels, weights: w, referenceProbs: ref }, { numClasses: 3, spread: 'reference' });
      expectClose(values(q), [0.1, 0.1, 0.8, 0.8, 0.2, 0], 1e-7);
      tf.dispose([labels, w, ref, q]);
    });
  });

  it('matches the torch fixture targets for both spreads', async () => {
    await expectNoLeak(() => {
      const ref = tf.tensor2d(fixture.estimator.reference);
      const stu = tf.tensor2d(fixture.estimator.student);
      const labels = tf.tensor1d(fixture.adapl.labels, 'int32');
      const est = estimateUnlabeledLoss({ referenceProbs: ref, studentProbs: stu });
      const w = adaplWeights({ estimates: est });
      for (const c of fixture.adapl.cases) {
        const q = relaxPseudoLabels({ pseudoLabels: labels, weights: w, referenceProbs: ref }, { numClasses: 5, spread: c.spread });
        expectClose(values(q), c.targets.flat(), 2e-6, 1e-5);
        q.dispose();
      }
      tf.dispose([ref, stu, labels, est, w]);
    });
  });

  it('properties: rows sum to 1, ŷ keeps the largest entry (w ≥ 0.5), C = 2 spreads agree', async () => {
    await expectNoLeak(() => {
      fc.assert(fc.property(batch, ({ c, rows }) => {
        tf.tidy(() => {
          const labels = tf.tensor1d(rows.map((r) => r.label), 'int32');
          const w = tf.tensor1d(rows.map((r) => r.w));
          const ref = tf.tensor2d(rows.map((r) => { const s = r.ref.reduce((a, b) => a + b, 0); return r.ref.map((v) => v / s); }));
          const uniform = relaxPseudoLabels({ pseudoLabels: labels, weights: w }, { numClasses: c }).arraySync();
          const byRef = relaxPseudoLabels({ pseudoLabels: labels, weights: w, referenceProbs: ref }, { numClasses: c, spread: 'reference' }).arraySync();
          for (const q of [uniform, byRef]) {
            q.forEach((row, b) => {
              expect(Math.abs(row.reduce((a, v) => a + v, 0) - 1)).toBeLessThan(1e-6);
              expect(row[rows[b].label]).toBeGreaterThanOrEqual(Math.max(...row) - 1e-7);
            });
          }
          if (c === 2) expectClose(byRef.flat(), uniform.flat(), 1e-7, 0);
        });
      }), { numRuns: 60 });
    });
  });

  it('one class gives Q = [1]', async () => {
    await expectNoLeak(() => {
      const labels = tf.tensor1d([0, 0], 'int32');
      const w = tf.tensor1d([0.6, 0.9]);
      const q = relaxPseudoLabels({ pseudoLabels: labels, weights: w }, { numClasses: 1 });
      expect(q.shape).toEqual([2, 1]);
      expect(values(q)).toEqual([1, 1]);
      tf.dispose([labels, w, q]);
    });
  });

  it('rejects float labels, mismatched lengths and a missing reference', async () => {
    await expectNoLeak(() => {
      const fl = tf.tensor1d([1]);
      const labels = tf.tensor1d([1], 'int32');
      const w2 = tf.tensor1d([0.5, 0.5]);
      const w1 = tf.tensor1d([0.5]);
      const ref = tf.tensor2d([[0.5, 0.5]]);
      expect(() => relaxPseudoLabels({ pseudoLabels: fl, weights: w1 }, { numClasses: 3 })).toThrow("tear-ssl.relaxPseudoLabels: argument 'pseudoLabels' must have dtype int32, got float32");
      expect(() => relaxPseudoLabels({ pseudoLabels: labels, weights: w2 }, { numClasses: 3 })).toThrow("'pseudoLabels' [1] dim 0 must equal 'weights' [2] dim 0");
      expect(() => relaxPseudoLabels({ pseudoLabels: labels, weights: w1 }, { numClasses: 3, spread: 'reference' })).toThrow("argument 'referenceProbs' is required");
      expect(() => relaxPseudoLabels({ pseudoLabels: labels, weights: w1, referenceProbs: ref }, { numClasses: 3, spread: 'reference' }))
        .toThrow("'referenceProbs' [1,2] must have numClasses = 3 columns");
      tf.dispose([fl, labels, w2, w1, ref]);
    });
  });
});
