import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { TearArgumentError } from '../../src/util/checks';
import { assertFinite, stopGradient } from '../../src/util/numerics';
import { expectNoLeak } from '../helpers/tensors';

describe('assertFinite', () => {
  it('passes finite tensors and int32 tensors', async () => {
    await expectNoLeak(() => {
      const a = tf.tensor2d([[1, -2], [3e30, 0]]);
      const i = tf.tensor1d([1, 2], 'int32');
      expect(() => assertFinite(a, 'a', 'test')).not.toThrow();
      expect(() => assertFinite(i, 'i', 'test')).not.toThrow();
      tf.dispose([a, i]);
    });
  });

  it('names the tensor, its shape and the first non-finite index', async () => {
    await expectNoLeak(() => {
      const a = tf.tensor2d([[1, 2, 3], [4, NaN, Infinity]]);
      expect(() => assertFinite(a, 'strongLogits', 'adaplLoss')).toThrow(TearArgumentError);
      expect(() => assertFinite(a, 'strongLogits', 'adaplLoss'))
        .toThrow("tear-ssl.adaplLoss: tensor 'strongLogits' [2,3] has a non-finite value (NaN) at index [1,1]");
      const b = tf.tensor1d([0, -Infinity]);
      expect(() => assertFinite(b, 'b', 'f')).toThrow("tensor 'b' [2] has a non-finite value (-Infinity) at index [1]");
      tf.dispose([a, b]);
    });
  });
});

describe('stopGradient', () => {
  it('is the identity forward and has zero gradient', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor1d([1, -2, 3]);
      const y = stopGradient(x);
      expect(Array.from(y.dataSync())).toEqual([1, -2, 3]);
      // d/dx Σ (x · stop(x)) = stop(x) only: the stopped factor contributes nothing.
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, stopGradient(v))) as tf.Scalar)(x);
      expect(Array.from(g.dataSync())).toEqual([1, -2, 3]);
      tf.dispose([x, y, g]);
    });
  });
});
