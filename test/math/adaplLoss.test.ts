import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adaplLoss } from '../../src/math/adaplLoss';
import { fixmatchLoss, maskedUnlabeledLoss } from '../../src/math/fixmatchLoss';
import { fixture } from '../fixtures/fixmatch_da/load';
import { expectClose, expectGradientMatches, expectNoLeak, values } from '../helpers/tensors';

type Out = ReturnType<typeof adaplLoss>;
const disposeOut = (o: Out): void => tf.dispose([o.loss, o.weights, o.mask, o.targets, o.estimates, o.pseudoLabels]);

/** Logit rows [U,C] in a moderate range. */
const logitRows = (u: number, c: number) => fc.array(
  fc.array(fc.float({ min: -6, max: 6, noNaN: true }), { minLength: c, maxLength: c }), { minLength: u, maxLength: u });

describe('adaplLoss', () => {
  it('matches the float64 torch fixture (threshold/none mask × uniform/reference spread, mse variant)', async () => {
    await expectNoLeak(() => {
      const a = fixture.adapl;
      const strongLogits = tf.tensor2d(a.strongLogits);
      const weakProbs = tf.tensor2d(fixture.estimator.student);
      const referenceProbs = tf.tensor2d(fixture.estimator.reference);
      for (const c of a.cases) {
        for (const mask of ['threshold', 'none'] as const) {
          const out = adaplLoss({ strongLogits, weakProbs, referenceProbs }, { spread: c.spread, mask });
          expectClose(values(out.loss), [mask === 'threshold' ? c.lossThreshold : c.lossNone], 1e-5, 1e-5);
          expectClose(values(out.targets), c.targets.flat(), 2e-6, 1e-5);
          expect(values(out.pseudoLabels)).toEqual(a.labels);
          expect(values(out.mask)).toEqual(mask === 'threshold' ? a.mask : a.mask.map(() => 1));
          expectClose(values(out.estimates), fixture.estimator.values.kl_entropy, 2e-5, 2e-5);
          disposeOut(out);
        }
      }
      const m = a.mseReference;
      const out = adaplLoss({ strongLogits, weakProbs, referenceProbs },
        { distance: m.distance, entropy: m.entropy, gamma: m.gamma, wMin: m.wMin, spread: m.spread, mask: m.mask });
      expectClose(values(out.weights), m.weights, 1e-6, 1e-6);
      expectClose(values(out.loss), [m.loss], 1e-5, 1e-5);
      disposeOut(out);
      tf.dispose([strongLogits, weakProbs, referenceProbs]);
    });
  });

  it('with every estimate 0 it equals fixmatchLoss exactly (both spreads)', async () => {
    await expectNoLeak(() => {
      fc.assert(fc.property(logitRows(4, 3), logitRows(4, 3), logitRows(4, 3), (zw, zs, zr) => {
        tf.tidy(() => {
          const weakProbs = tf.softmax(tf.tensor2d(zw).mul(2)) as tf.Tensor2D;
          const strongLogits = tf.tensor2d(zs);
          const referenceProbs = tf.softmax(tf.tensor2d(zr)) as tf.Tensor2D;
          const estimates = tf.zeros([4]) as tf.Tensor1D;
          const base = fixmatchLoss({ weakProbs, strongLogits });
          for (const spread of ['uniform', 'reference'] as const) {
            const out = adaplLoss({ strongLogits, weakProbs, referenceProbs, estimates }, { spread });
            expect(values(out.loss)[0]).toBe(values(base.loss)[0]);
            expect(values(out.targets)).toEqual(values(base.targets));
            expect(values(out.weights).every((w) => w === 1)).toBe(true);
          }
        });
      }), { numRuns: 30 });
    });
  });

  it('gradient w.r.t. strongLogits matches the numerical one', async () => {
    await expectNoLeak(() => {
      const weakProbs = tf.tensor2d([[0.97, 0.02, 0.01], [0.1, 0.6, 0.3], [0.01, 0.01, 0.98]]);
      const referenceProbs = tf.tensor2d([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.05, 0.05, 0.9]]);
      const z = tf.tensor2d([[0.3, -0.2, 1], [1, 0.5, -0.5], [-1, 0, 2]]);
      for (const mask of ['threshold', 'none'] as const) {
        expectGradientMatches((x) => {
          const out = adaplLoss({ strongLogits: x as tf.Tensor2D, weakProbs, referenceProbs }, { mask, spread: 'reference' });
          return out.loss;
        }, z);
      }
      tf.dispose([weakProbs, referenceProbs, z]);
    });
  });

  it('targets, weights, mask and estimates carry no gradient, even when weak and strong share a variable', async () => {
    await expectNoLeak(() => {
      const weakProbs = tf.tensor2d([[0.96, 0.03, 0.01], [0.2, 0.5, 0.3]]);
      const referenceProbs = tf.tensor2d([[0.5, 0.3, 0.2], [0.3, 0.3, 0.4]]);
      const z = tf.tensor2d([[0.3, -0.2, 1], [1, 0.5, -0.5]]);
      const opts = { mask: 'none' as const, spread: 'reference' as const };
      const gw = tf.grad((p: tf.Tensor) => adaplLoss({ strongLogits: z, weakProbs: p as tf.Tensor2D, referenceProbs }, opts).loss)(weakProbs);
      const gr = tf.grad((p: tf.Tensor) => adaplLoss({ strongLogits: z, weakProbs, referenceProbs: p as tf.Tensor2D }, opts).loss)(referenceProbs);
      expect(values(gw).every((v) => v === 0)).toBe(true);
      expect(values(gr).every((v) => v === 0)).toBe(true);
      // One parameter drives both views: weak = softmax(2x), strong = x. The gradient must equal the one
      // of the masked loss with the targets and mask held fixed (no path through the pseudo labels).
      // Every option combination, so that each op on the target path is exercised under the tape.
      const x = tf.tensor2d([[1.5, -0.5, 0.2], [0.1, 0.4, -0.3]]);
      for (const distance of ['kl', 'mse', 'emd'] as const) {
        for (const entropy of [true, false]) {
          for (const spread of ['uniform', 'reference'] as const) {
            for (const mask of ['threshold', 'none'] as const) {
              const all = { distance, entropy, spread, mask, threshold: 0.8 };
              tf.tidy(() => {
                const shared = tf.grad((v: tf.Tensor) => {
                  const weak = tf.softmax(tf.mul(v, 2)) as tf.Tensor2D;
                  const ref = tf.softmax(tf.mul(v, 0.5)) as tf.Tensor2D;
                  return adaplLoss({ strongLogits: v as tf.Tensor2D, weakProbs: weak, referenceProbs: ref }, all).loss;
                })(x);
                const out = adaplLoss({
                  strongLogits: x, weakProbs: tf.softmax(tf.mul(x, 2)) as tf.Tensor2D,
                  referenceProbs: tf.softmax(tf.mul(x, 0.5)) as tf.Tensor2D,
                }, all);
                const fixed = tf.grad((v: tf.Tensor) => maskedUnlabeledLoss({ targets: out.targets, strongLogits: v as tf.Tensor2D, mask: out.mask }))(x);
                expectClose(values(shared), values(fixed), 1e-7, 0);
              });
            }
          }
        }
      }
      tf.dispose([weakProbs, referenceProbs, z, gw, gr, x]);
    });
  });

  it('an empty mask gives loss 0 with finite zero gradients; U = 0 gives 0', async () => {
    await expectNoLeak(() => {
      const weakProbs = tf.tensor2d([[0.5, 0.5], [0.6, 0.4]]);
      const z = tf.tensor2d([[40, -40], [1, 2]]);
      const out = adaplLoss({ strongLogits: z, weakProbs, referenceProbs: weakProbs });
      expect(values(out.loss)).toEqual([0]);
      const g = tf.grad((v: tf.Tensor) => adaplLoss({ strongLogits: v as tf.Tensor2D, weakProbs, referenceProbs: weakProbs }).loss)(z);
      expect(values(g).every((v) => v === 0)).toBe(true);
      const e = tf.zeros([0, 2]) as tf.Tensor2D;
      const empty = adaplLoss({ strongLogits: e, weakProbs: e, referenceProbs: e }, { mask: 'none' });
      expect(values(empty.loss)).toEqual([0]);
      expect(empty.targets.shape).toEqual([0, 2]);
      disposeOut(out);
      disposeOut(empty);
      tf.dispose([weakProbs, z, g, e]);
    });
  });

  it('one class gives Q = [1] and loss 0', async () => {
    await expectNoLeak(() => {
      const p = tf.ones([2, 1]) as tf.Tensor2D;
      const z = tf.tensor2d([[2], [-1]]);
      const out = adaplLoss({ strongLogits: z, weakProbs: p, referenceProbs: p });
      expect(values(out.targets)).toEqual([1, 1]);
      expect(values(out.loss)).toEqual([0]);
      disposeOut(out);
      tf.dispose([p, z]);
    });
  });

  it('NaN or Inf strong logits give a NaN loss (documented policy)', async () => {
    await expectNoLeak(() => {
      const p = tf.tensor2d([[0.99, 0.01]]);
      for (const bad of [NaN, Infinity]) {
        const z = tf.tensor2d([[bad, 0]]);
        const out = adaplLoss({ strongLogits: z, weakProbs: p, referenceProbs: p });
        expect(Number.isNaN(values(out.loss)[0])).toBe(true);
        disposeOut(out);
        z.dispose();
      }
      p.dispose();
    });
  });

  it('uses precomputed estimates and studentProbs when given', async () => {
    await expectNoLeak(() => {
      const weakProbs = tf.tensor2d([[0.98, 0.02], [0.01, 0.99]]);
      const referenceProbs = tf.tensor2d([[0.5, 0.5], [0.2, 0.8]]);
      const studentProbs = tf.tensor2d([[0.5, 0.5], [0.2, 0.8]]);
      const z = tf.tensor2d([[0, 1], [1, 0]]);
      const out = adaplLoss({ strongLogits: z, weakProbs, referenceProbs, studentProbs }, { distance: 'mse', entropy: false });
      expect(values(out.estimates)).toEqual([0, 0]);
      const est = tf.tensor1d([1, 2]);
      const given = adaplLoss({ strongLogits: z, weakProbs, referenceProbs, estimates: est });
      expect(values(given.estimates)).toEqual([1, 2]);
      expectClose(values(given.weights), [1 - 0.5 * Math.tanh(0.5), 1 - 0.5 * Math.tanh(1)], 1e-7);
      disposeOut(out);
      disposeOut(given);
      tf.dispose([weakProbs, referenceProbs, studentProbs, z, est]);
    });
  });

  it('rejects mismatched shapes and bad options, naming the argument and both shapes', async () => {
    await expectNoLeak(() => {
      const p = tf.tensor2d([[0.5, 0.5]]);
      const p3 = tf.tensor2d([[0.2, 0.3, 0.5]]);
      const e2 = tf.tensor1d([0, 0]);
      expect(() => adaplLoss({ strongLogits: p, weakProbs: p, referenceProbs: p3 }))
        .toThrow("tear-ssl.adaplLoss: 'referenceProbs' [1,3] and 'strongLogits' [1,2] must have the same shape");
      expect(() => adaplLoss({ strongLogits: p, weakProbs: p, referenceProbs: p, estimates: e2 }))
        .toThrow("'estimates' [2] dim 0 must equal 'strongLogits' [1,2] dim 0");
      expect(() => adaplLoss({ strongLogits: p, weakProbs: p, referenceProbs: p }, { mask: 'soft' as 'none' }))
        .toThrow("option 'mask' must be one of 'threshold', 'none'");
      expect(() => adaplLoss({ strongLogits: p, weakProbs: p, referenceProbs: p }, { wMin: 2 })).toThrow("tear-ssl.adaplLoss: option 'wMin' must be <= 1");
      tf.dispose([p, p3, e2]);
    });
  });
});
