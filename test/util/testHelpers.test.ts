import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectGradientMatches, expectNoLeak, numericalGradient } from '../helpers/tensors';

describe('test helpers', () => {
  it('numericalGradient matches d/dx sum(x^3) = 3x^2', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor1d([0.5, -1, 2]);
      const g = numericalGradient((t) => tf.sum(tf.pow(t, 3)), x, 1e-3);
      expect(Array.from(g).map((v) => Number(v.toFixed(2)))).toEqual([0.75, 3, 12]);
      expectGradientMatches((t) => tf.sum(tf.pow(t, 3)), x);
      x.dispose();
    });
  });

  it('expectGradientMatches fails for a wrong gradient', async () => {
    // d/dt sum(t^2) is 2t; this gradient returns t, so the checker must reject it.
    const wrong = tf.customGrad(((t: tf.Tensor) => ({ value: tf.sum(tf.square(t)), gradFunc: (dy: tf.Tensor) => tf.mul(dy, t) })) as unknown as Parameters<typeof tf.customGrad>[0]);
    const x = tf.tensor1d([1, 2]);
    expect(() => expectGradientMatches((t) => wrong(t) as tf.Scalar, x)).toThrow();
    x.dispose();
  });
});
