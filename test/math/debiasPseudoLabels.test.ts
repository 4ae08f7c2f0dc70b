import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { debiasProbabilities, marginalAdjustedLogits } from '../../src/math/debiasPseudoLabels';
import { TearArgumentError } from '../../src/util/checks';
import { softmax } from '../helpers/float64';
import { expectClose, expectGradientMatches, expectNoLeak, values } from '../helpers/tensors';

/** float64 reference of DebiasPL eq. 4: softmax(z − λ·log p̄), row by row, from the logits. */
const debiasRef = (z: number[][], marginal: number[], lambda: number): number[][] =>
  z.map((row) => softmax(row.map((v, c) => v - lambda * Math.log(marginal[c]))));

describe('debiasProbabilities (DebiasPL eq. 4)', () => {
  it('equals softmax(z − λ·log p̄) in float64 on a 2×3 example, computed from q = softmax(z)', async () => {
    await expectNoLeak(() => {
      const z = [[2, 0.5, -1], [-0.3, 0.1, 1.7]];
      const marginal = [0.6, 0.3, 0.1];
      const lambda = 0.5;
      const q = tf.tensor2d(z.map(softmax));
      const m = tf.tensor1d(marginal);
      const out = debiasProbabilities({ probs: q, marginal: m }, { lambda });
      expect(out.shape).toEqual([2, 3]);
      // by hand, row 0: weights e^{z_c}·p̄_c^{−½} = (e²/√.6, e^{.5}/√.3, e^{−1}/√.1), normalised
      const w0 = [Math.exp(2) / Math.sqrt(0.6), Math.exp(0.5) / Math.sqrt(0.3), Math.exp(-1) / Math.sqrt(0.1)];
      const s0 = w0[0] + w0[1] + w0[2];
      expectClose(values(out).slice(0, 3), w0.map((w) => w / s0), 1e-6);
      expectClose(values(out), debiasRef(z, marginal, lambda).flat(), 1e-6, 1e-5);
      // the over-predicted class 0 is damped, the rare class 2 is raised
      const raw = values(q);
      expect(values(out)[0]).toBeLessThan(raw[0]);
      expect(values(out)[2]).toBeGreaterThan(raw[2]);
      tf.dispose([q, m, out]);
    });
  });

  it('matches the float64 reference on random inputs, rows sum to 1 (property)', async () => {
    await expectNoLeak(() => {
      fc.assert(fc.property(
        fc.array(fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 4, maxLength: 4 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (z, raw, lambda) => {
          const total = raw.reduce((a, b) => a + b, 0);
          const marginal = raw.map((r) => r / total);
          tf.tidy(() => {
            const out = debiasProbabilities({ probs: tf.tensor2d(z.map(softmax)), marginal: tf.tensor1d(marginal) }, { lambda });
            expectClose(values(out), debiasRef(z, marginal, lambda).flat(), 2e-6, 2e-5);
            for (const row of out.arraySync()) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
          });
        }), { numRuns: 40 });
    });
  });

  it('λ = 0 and a uniform p̄ leave q unchanged; U = 0 gives [0, C]', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[0.7, 0.2, 0.1], [0.05, 0.15, 0.8]]);
      const m = tf.tensor1d([0.5, 0.3, 0.2]);
      const uniform = tf.fill([3], 1 / 3) as tf.Tensor1D;
      const a = debiasProbabilities({ probs: q, marginal: m }, { lambda: 0 });
      expectClose(values(a), values(q), 1e-7);
      const b = debiasProbabilities({ probs: q, marginal: uniform }, { lambda: 0.9 });
      expectClose(values(b), values(q), 1e-6);
      const empty = tf.zeros([0, 3]) as tf.Tensor2D;
      const e = debiasProbabilities({ probs: empty, marginal: m }, { lambda: 0.4 });
      expect(e.shape).toEqual([0, 3]);
      tf.dispose([q, m, uniform, a, b, empty, e]);
    });
  });

  it('a class with p̄ = 0 is floored (finite output), not NaN', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[0.5, 0.5]]);
      const m = tf.tensor1d([1, 0]);
      const out = debiasProbabilities({ probs: q, marginal: m }, { lambda: 0.5 });
      expect(values(out).every(Number.isFinite)).toBe(true);
      expect(values(out)[1]).toBeGreaterThan(0.99);
      tf.dispose([q, m, out]);
    });
  });

  it('wrong shapes, dtypes or λ give TearArgumentErrors naming the argument', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[0.5, 0.5]]);
      const m3 = tf.tensor1d([0.2, 0.3, 0.5]);
      const m2 = tf.tensor1d([0.5, 0.5]);
      const m2d = tf.tensor2d([[0.5, 0.5]]);
      const q1d = tf.tensor1d([0.5, 0.5]);
      const qInt = tf.tensor2d([[1, 0]], [1, 2], 'int32');
      const cases: Array<[() => unknown, RegExp]> = [
        [() => debiasProbabilities({ probs: q, marginal: m3 as tf.Tensor1D }, { lambda: 1 }), /debiasProbabilities: 'marginal' \[3\] must have one entry per class of 'probs' \[1,2\]/],
        [() => debiasProbabilities({ probs: q, marginal: m2d as unknown as tf.Tensor1D }, { lambda: 1 }), /argument 'marginal' must have rank 1/],
        [() => debiasProbabilities({ probs: q1d as unknown as tf.Tensor2D, marginal: m2 }, { lambda: 1 }), /argument 'probs' must have rank 2/],
        [() => debiasProbabilities({ probs: qInt as tf.Tensor2D, marginal: m2 }, { lambda: 1 }), /argument 'probs' must have dtype float32/],
        [() => debiasProbabilities({ probs: q, marginal: m2 }, { lambda: NaN }), /option 'lambda' must be a finite number ≥ 0, got NaN/],
        [() => debiasProbabilities({ probs: q, marginal: m2 }, { lambda: -0.1 }), /option 'lambda'/],
        [() => debiasProbabilities({ probs: q, marginal: m2 }, undefined as unknown as { lambda: number }), /argument 'options' is required: debiasProbabilities\(\{ probs, marginal \}, \{ lambda \}\)/],
        [() => marginalAdjustedLogits({ logits: q, marginal: m3 as tf.Tensor1D }, { lambda: 1 }), /marginalAdjustedLogits: 'marginal' \[3\] must have one entry per class of 'logits' \[1,2\]/],
        [() => marginalAdjustedLogits({ logits: q, marginal: m2 }, { lambda: Infinity }), /marginalAdjustedLogits: option 'lambda'/],
        [() => marginalAdjustedLogits({ logits: [[1, 2]] as unknown as tf.Tensor2D, marginal: m2 }, { lambda: 1 }), /argument 'logits' must be a tf.Tensor/],
      ];
      for (const [f, message] of cases) {
        expect(f).toThrow(TearArgumentError);
        expect(f).toThrow(message);
      }
      tf.dispose([q, m3, m2, m2d, q1d, qInt]);
    });
  });

  it('NaN probabilities propagate (documented NaN policy), they are not hidden', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[NaN, 0.5], [0.3, 0.7]]);
      const m = tf.tensor1d([0.5, 0.5]);
      const t = debiasProbabilities({ probs: q, marginal: m }, { lambda: 1 });
      const out = values(t);
      expect(Number.isNaN(out[0])).toBe(true);
      expectClose(out.slice(2), [0.3, 0.7], 1e-6);
      tf.dispose([q, m, t]);
    });
  });
});

describe('marginalAdjustedLogits (DebiasPL eq. 6)', () => {
  it('is z + λ·log p̄ (float64), the identity for λ = 0, and keeps the gradient (d/dz = identity)', async () => {
    await expectNoLeak(() => {
      const zArr = [[1, -2, 0.5], [0, 0.3, -0.7]];
      const marginal = [0.7, 0.2, 0.1];
      const z = tf.tensor2d(zArr);
      const m = tf.tensor1d(marginal);
      const out = marginalAdjustedLogits({ logits: z, marginal: m }, { lambda: 0.4 });
      expectClose(values(out), zArr.flatMap((row) => row.map((v, c) => v + 0.4 * Math.log(marginal[c]))), 1e-6);
      const same = marginalAdjustedLogits({ logits: z, marginal: m }, { lambda: 0 });
      expect(values(same)).toEqual(values(z));
      // the CE of the adjusted logits has the numerical gradient of the float64 function
      const t = tf.tensor2d([[0, 0, 1], [1, 0, 0]]);
      expectGradientMatches((x) => tf.tidy(() => tf.mean(tf.sum(tf.mul(t, tf.neg(tf.logSoftmax(marginalAdjustedLogits({ logits: x as tf.Tensor2D, marginal: m }, { lambda: 0.4 })))), 1))) as tf.Scalar, z);
      tf.dispose([z, m, out, same, t]);
    });
  });
});
