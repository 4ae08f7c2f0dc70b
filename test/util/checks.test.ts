import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { checkNumber, checkOneOf, checkSameDim, checkTensor, TearArgumentError } from '../../src/util/checks';
import { expectNoLeak } from '../helpers/tensors';

describe('argument checks', () => {
  it('names the argument, the expected rank and the shape found', async () => {
    await expectNoLeak(() => {
      const t = tf.zeros([3]);
      expect(() => checkTensor(t, 'logits', 'f', { rank: 2 })).toThrow("tear-ssl.f: argument 'logits' must have rank 2, got shape [3]");
      expect(() => checkTensor(t, 'labels', 'f', { dtype: 'int32' })).toThrow(/dtype int32, got float32/);
      expect(() => checkTensor([1, 2], 'x', 'f')).toThrow(TearArgumentError);
      t.dispose();
    });
  });

  it('names both arguments and shapes when dims differ', async () => {
    await expectNoLeak(() => {
      const a = tf.zeros([4, 3]);
      const b = tf.zeros([5, 3]);
      expect(() => checkSameDim(a, 'a', b, 'b', 'g', 0)).toThrow("'a' [4,3] dim 0 must equal 'b' [5,3] dim 0");
      expect(() => checkSameDim(a, 'a', b, 'b', 'g')).toThrow('must have the same shape');
      expect(() => checkSameDim(a, 'a', b, 'b', 'g', 1)).not.toThrow();
      tf.dispose([a, b]);
    });
  });

  it('validates numeric and enum options', () => {
    expect(() => checkNumber(1.5, 'threshold', 'h', { min: 0, max: 1 })).toThrow("option 'threshold' must be <= 1, got 1.5");
    expect(() => checkNumber(Number.NaN, 'gamma', 'h')).toThrow('finite number');
    expect(() => checkNumber(2.5, 'k', 'h', { integer: true })).toThrow('integer');
    expect(() => checkOneOf('l1', ['kl', 'mse'], 'distance', 'h')).toThrow("one of 'kl', 'mse', got 'l1'");
    expect(() => checkOneOf('kl', ['kl', 'mse'], 'distance', 'h')).not.toThrow();
  });
});
