import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { softCrossEntropy } from '../../src/math/softCrossEntropy';
import { fixture } from '../fixtures/fixmatch_da/load';
import { expectClose, expectGradientMatches, expectNoLeak, values } from '../helpers/tensors';

/** float64 reference: −Σ t log softmax(z) per row. */
function referenceRows(t: number[][], z: number[][]): number[] {
  return z.map((row, b) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return -row.reduce((s, v, c) => s + t[b][c] * (v - lse), 0);
  });
}

describe('softCrossEntropy', () => {
  it('matches hand-computed values for each reduction', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[1, 0], [0.25, 0.75]]);
      const z = tf.tensor2d([[0, Math.log(3)], [0, 0]]);
      // row 0: −log(1/4) = log 4; row 1: −log(1/2) = log 2.
      const none = softCrossEntropy({ targets: t, logits: z }, { reduction: 'none' });
      expectClose(values(none), [Math.log(4), Math.log(2)], 1e-6);
      const mean = softCrossEntropy({ targets: t, logits: z });
      expectClose(values(mean), [(Math.log(4) + Math.log(2)) / 2], 1e-6);
      const w = tf.tensor1d([0, 2]);
      const sum = softCrossEntropy({ targets: t, logits: z, weights: w }, { reduction: 'sum' });
      expectClose(values(sum), [2 * Math.log(2)], 1e-6);
      tf.dispose([t, z, none, mean, w, sum]);
    });
  });

  it('matches the float64 torch fixture (weights, none/sum/mean)', async () => {
    await expectNoLeak(() => {
      const f = fixture.softCrossEntropy;
      const t = tf.tensor2d(f.targets);
      const z = tf.tensor2d(f.logits);
      const w = tf.tensor1d(f.weights);
      const results = (['none', 'sum', 'mean'] as const).map((reduction) => softCrossEntropy({ targets: t, logits: z, weights: w }, { reduction }));
      expectClose(values(results[0]), f.none, 1e-5, 1e-5);
      expectClose(values(results[1]), [f.sum], 1e-5, 1e-5);
      expectClose(values(results[2]), [f.mean], 1e-5, 1e-5);
      expectClose(referenceRows(f.targets, f.logits).map((v, i) => v * f.weights[i]), f.none, 1e-9, 1e-9);
      tf.dispose([t, z, w, ...results]);
    });
  });

  it('gradient w.r.t. logits matches the numerical one, and equals w·(softmax − t)/U', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[0.7, 0.2, 0.1], [0, 0, 1], [0.3, 0.3, 0.4]]);
      const z = tf.tensor2d([[0.5, -1, 2], [1, 1, -3], [0, 0.2, 0.1]]);
      const w = tf.tensor1d([1, 0.5, 0]);
      expectGradientMatches((x) => softCrossEntropy({ targets: t, logits: x as tf.Tensor2D, weights: w }) as tf.Scalar, z);
      const g = tf.grad((x: tf.Tensor) => softCrossEntropy({ targets: t, logits: x as tf.Tensor2D, weights: w }) as tf.Scalar)(z);
      const closed = tf.tidy(() => tf.div(tf.mul(tf.sub(tf.softmax(z), t), tf.expandDims(w, 1)), 3));
      expectClose(values(g), values(closed), 1e-6);
      tf.dispose([t, z, w, g, closed]);
    });
  });

  it('U = 0 gives 0 (not NaN) with an empty gradient', async () => {
    await expectNoLeak(() => {
      const t = tf.zeros([0, 3]) as tf.Tensor2D;
      const z = tf.zeros([0, 3]) as tf.Tensor2D;
      const mean = softCrossEntropy({ targets: t, logits: z });
      expect(values(mean)).toEqual([0]);
      const g = tf.grad((x: tf.Tensor) => softCrossEntropy({ targets: t, logits: x as tf.Tensor2D }) as tf.Scalar)(z);
      expect(g.shape).toEqual([0, 3]);
      tf.dispose([t, z, mean, g]);
    });
  });

  it('NaN or Inf logits propagate to a NaN loss (documented policy)', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[1, 0], [0, 1]]);
      const zNaN = tf.tensor2d([[NaN, 0], [0, 1]]);
      const zInf = tf.tensor2d([[Infinity, 0], [0, 1]]);
      const a = softCrossEntropy({ targets: t, logits: zNaN });
      const b = softCrossEntropy({ targets: t, logits: zInf });
      expect(Number.isNaN(values(a)[0])).toBe(true);
      expect(Number.isNaN(values(b)[0])).toBe(true);
      tf.dispose([t, zNaN, zInf, a, b]);
    });
  });

  it('rejects mismatched shapes and dtypes, naming both arguments', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[1, 0, 0]]);
      const z = tf.tensor2d([[1, 0]]);
      const zi = tf.tensor2d([[1, 0, 0]], [1, 3], 'int32');
      const w = tf.tensor1d([1, 1]);
      const z3 = tf.tensor2d([[1, 0, 0]]);
      expect(() => softCrossEntropy({ targets: t, logits: z })).toThrow("tear-ssl.softCrossEntropy: 'targets' [1,3] and 'logits' [1,2] must have the same shape");
      expect(() => softCrossEntropy({ targets: t, logits: zi })).toThrow("argument 'logits' must have dtype float32, got int32");
      expect(() => softCrossEntropy({ targets: t, logits: z3, weights: w })).toThrow("'weights' [2] dim 0 must equal 'logits' [1,3] dim 0");
      expect(() => softCrossEntropy({ targets: t, logits: z3 }, { reduction: 'avg' as 'mean' })).toThrow("option 'reduction' must be one of");
      tf.dispose([t, z, zi, w, z3]);
    });
  });
});
