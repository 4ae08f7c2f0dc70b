import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logitAdjustedCrossEntropy } from '../../src/math/logitAdjustedCrossEntropy';
import { softCrossEntropy } from '../../src/math/softCrossEntropy';
import { TearArgumentError } from '../../src/util/checks';
import { expectClose, expectGradientMatches, expectNoLeak, values } from '../helpers/tensors';

/** float64 reference (Menon et al. 2021, eq. 10): −Σ_c t_c log softmax(z + τ·log π)_c per row. */
function referenceRows(t: number[][], z: number[][], prior: number[], tau: number): number[] {
  return z.map((row, b) => {
    const adj = row.map((v, c) => v + tau * Math.log(prior[c]));
    const m = Math.max(...adj);
    const lse = m + Math.log(adj.reduce((s, v) => s + Math.exp(v - m), 0));
    return -adj.reduce((s, v, c) => s + t[b][c] * (v - lse), 0);
  });
}

describe('logitAdjustedCrossEntropy', () => {
  it('matches a hand computation: z = 0, π = (¾, ¼), τ = 1 gives −log π_y', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[1, 0], [0, 1]]);
      const z = tf.zeros([2, 2]) as tf.Tensor2D;
      const prior = tf.tensor1d([0.75, 0.25]);
      // softmax(log π) = π, so the loss of a sample of class y is −log π_y
      const none = logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: prior }, { reduction: 'none' });
      expectClose(values(none), [-Math.log(0.75), -Math.log(0.25)], 1e-6);
      const mean = logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: prior });
      expectClose(values(mean), [(-Math.log(0.75) - Math.log(0.25)) / 2], 1e-6);
      const sum = logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: prior }, { reduction: 'sum', tau: 2 });
      // τ = 2: softmax(2 log π) = π²/Σπ² = (9/10, 1/10)
      expectClose(values(sum), [-Math.log(0.9) - Math.log(0.1)], 1e-6);
      tf.dispose([t, z, prior, none, mean, sum]);
    });
  });

  it('matches the float64 reference on random one-hot and soft targets (property)', async () => {
    await expectNoLeak(() => {
      fc.assert(fc.property(
        fc.array(fc.tuple(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), fc.nat(2)), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: 0, max: 3, noNaN: true }), fc.boolean(),
        (rows, raw, tau, soft) => {
          const total = raw.reduce((a, b) => a + b, 0);
          const prior = raw.map((r) => r / total);
          const z = rows.map(([row]) => row);
          const t = rows.map(([, y], b) => (soft ? [0.2, 0.3, 0.5].map((v, c) => (b % 2 === 0 ? v : [0.6, 0.1, 0.3][c])) : [0, 1, 2].map((c) => (c === y ? 1 : 0))));
          tf.tidy(() => {
            const out = logitAdjustedCrossEntropy({ targets: tf.tensor2d(t), logits: tf.tensor2d(z), classPrior: tf.tensor1d(prior) }, { tau, reduction: 'none' });
            expectClose(values(out), referenceRows(t, z, prior, tau), 2e-5, 2e-5);
          });
        }), { numRuns: 40 });
    });
  });

  it('τ = 0 is plain cross-entropy, and a uniform prior changes nothing for any τ', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[0, 1, 0], [0.2, 0.2, 0.6], [1, 0, 0]]);
      const z = tf.tensor2d([[0.3, -1.2, 2], [1, 0, -1], [-0.5, 0.5, 0]]);
      const prior = tf.tensor1d([0.7, 0.2, 0.1]);
      const uniform = tf.fill([3], 1 / 3) as tf.Tensor1D;
      const plain = softCrossEntropy({ targets: t, logits: z }, { reduction: 'none' });
      const tau0 = logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: prior }, { tau: 0, reduction: 'none' });
      expect(values(tau0)).toEqual(values(plain));
      const flat = logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: uniform }, { tau: 1.5, reduction: 'none' });
      expectClose(values(flat), values(plain), 1e-6);
      const adjusted = logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: prior }, { reduction: 'none' });
      // the default τ is 1; a frequent class (0) is asked a larger margin → larger loss on the row labelled 0
      expectClose(values(adjusted), referenceRows(t.arraySync(), z.arraySync(), [0.7, 0.2, 0.1], 1), 1e-5);
      expect(values(adjusted)[2]).toBeLessThan(values(plain)[2]);
      tf.dispose([t, z, prior, uniform, plain, tau0, flat, adjusted]);
    });
  });

  it('its gradient w.r.t. logits matches central differences and equals (softmax(z + τ log π) − t)/B', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[0, 0, 1], [1, 0, 0], [0.3, 0.3, 0.4]]);
      const z = tf.tensor2d([[0.5, -1, 2], [1, 1, -3], [0, 0.2, 0.1]]);
      const prior = tf.tensor1d([0.6, 0.3, 0.1]);
      const f = (x: tf.Tensor) => logitAdjustedCrossEntropy({ targets: t, logits: x as tf.Tensor2D, classPrior: prior }, { tau: 1.3 }) as tf.Scalar;
      expectGradientMatches(f, z);
      const g = tf.grad(f)(z);
      const closed = tf.tidy(() => tf.div(tf.sub(tf.softmax(tf.add(z, tf.mul(tf.log(prior), 1.3))), t), 3));
      expectClose(values(g), values(closed), 1e-6);
      tf.dispose([t, z, prior, g, closed]);
    });
  });

  it('B = 0 gives 0 with the mean reduction', async () => {
    await expectNoLeak(() => {
      const e = tf.zeros([0, 2]) as tf.Tensor2D;
      const prior = tf.tensor1d([0.5, 0.5]);
      const out = logitAdjustedCrossEntropy({ targets: e, logits: e, classPrior: prior });
      expect(values(out)).toEqual([0]);
      tf.dispose([e, prior, out]);
    });
  });

  it('wrong shapes, dtypes and τ give TearArgumentErrors naming the argument', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[1, 0]]);
      const z = tf.tensor2d([[0.1, 0.2]]);
      const z3 = tf.tensor2d([[0.1, 0.2, 0.3]]);
      const p2 = tf.tensor1d([0.5, 0.5]);
      const p3 = tf.tensor1d([0.2, 0.3, 0.5]);
      const pInt = tf.tensor1d([1, 1], 'int32');
      const cases: Array<[() => unknown, RegExp]> = [
        [() => logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: p3 }), /logitAdjustedCrossEntropy: 'classPrior' \[3\] must have one entry per class of 'logits' \[1,2\]/],
        [() => logitAdjustedCrossEntropy({ targets: t, logits: z3, classPrior: p3 }), /'targets' \[1,2\] and 'logits' \[1,3\] must have the same shape/],
        [() => logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: pInt as tf.Tensor1D }), /argument 'classPrior' must have dtype float32/],
        [() => logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: undefined as unknown as tf.Tensor1D }), /argument 'classPrior' must be a tf.Tensor/],
        [() => logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: p2 }, { tau: NaN }), /option 'tau' must be a finite number ≥ 0, got NaN/],
        [() => logitAdjustedCrossEntropy({ targets: t, logits: z, classPrior: p2 }, { tau: -1 }), /option 'tau'/],
        [() => logitAdjustedCrossEntropy(null as never), /argument 'inputs' must be/],
      ];
      for (const [f, message] of cases) {
        expect(f).toThrow(TearArgumentError);
        expect(f).toThrow(message);
      }
      tf.dispose([t, z, z3, p2, p3, pInt]);
    });
  });
});
