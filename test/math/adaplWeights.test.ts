import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adaplWeights } from '../../src/math/adaplWeights';
import { fixture } from '../fixtures/fixmatch_da/load';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

describe('adaplWeights', () => {
  it('matches w = 1 − (1 − w_min)(2σ(γL̂) − 1) by hand, with w = 1 exactly at L̂ = 0', async () => {
    await expectNoLeak(() => {
      const e = tf.tensor1d([0, 0.5, 2, 40]);
      const w = adaplWeights({ estimates: e });
      const expected = [0, 0.5, 2, 40].map((l) => 1 - 0.5 * (2 * sigmoid(l) - 1));
      expectClose(values(w), expected, 1e-7);
      expect(values(w)[0]).toBe(1);
      const w2 = adaplWeights({ estimates: e }, { gamma: 3, wMin: 0.8 });
      expectClose(values(w2), [0, 0.5, 2, 40].map((l) => 1 - 0.2 * (2 * sigmoid(3 * l) - 1)), 1e-7);
      tf.dispose([e, w, w2]);
    });
  });

  it('matches the float64 torch fixture (sigmoid form there, tanh form here)', async () => {
    await expectNoLeak(() => {
      const e = tf.tensor1d(fixture.adaplWeights.estimates);
      for (const c of fixture.adaplWeights.cases) {
        const w = adaplWeights({ estimates: e }, { gamma: c.gamma, wMin: c.wMin });
        expectClose(values(w), c.weights, 1e-6, 1e-6);
        w.dispose();
      }
      e.dispose();
    });
  });

  it('is non-increasing in the estimate and stays in [w_min, 1] (> w_min for moderate L̂)', async () => {
    await expectNoLeak(() => {
      fc.assert(fc.property(
        fc.array(fc.float({ min: 0, max: 100, noNaN: true }), { minLength: 2, maxLength: 12 }),
        fc.float({ min: Math.fround(0.05), max: 8, noNaN: true }),
        fc.float({ min: 0, max: 1, noNaN: true }),
        (raw, gamma, wMin) => {
          const sorted = [...raw].sort((a, b) => a - b);
          tf.tidy(() => {
            const w = values(adaplWeights({ estimates: tf.tensor1d(sorted) }, { gamma, wMin }));
            const lo = Math.fround(wMin);
            for (let i = 0; i < w.length; i++) {
              expect(w[i]).toBeLessThanOrEqual(1);
              expect(w[i]).toBeGreaterThanOrEqual(lo - 1e-6);
              if (gamma * sorted[i] < 5 && wMin <= 0.99) expect(w[i]).toBeGreaterThan(lo);
              // Non-increasing up to 2 float32 ulps of 1: TensorFlow's tanh (Eigen's rational
              // approximation) is not exactly monotone near saturation, e.g. γL̂ = 2.49999 vs 2.5.
              if (i > 0) expect(w[i]).toBeLessThanOrEqual(w[i - 1] + 2 ** -22);
            }
          });
        },
      ), { numRuns: 60 });
    });
  });

  it('treats negative estimates as 0', async () => {
    await expectNoLeak(() => {
      const e = tf.tensor1d([-3, -1e-7]);
      const w = adaplWeights({ estimates: e });
      expect(values(w)).toEqual([1, 1]);
      tf.dispose([e, w]);
    });
  });

  it('rejects w_min outside [0, 1] and γ ≤ 0', async () => {
    await expectNoLeak(() => {
      const e = tf.tensor1d([1]);
      expect(() => adaplWeights({ estimates: e }, { wMin: 1.2 })).toThrow("tear-ssl.adaplWeights: option 'wMin' must be <= 1, got 1.2");
      expect(() => adaplWeights({ estimates: e }, { wMin: -0.1 })).toThrow("option 'wMin' must be >= 0, got -0.1");
      expect(() => adaplWeights({ estimates: e }, { gamma: 0 })).toThrow("option 'gamma' must be > 0, got 0");
      e.dispose();
    });
  });
});
