import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { confidenceMask, hardPseudoLabels, oneHotPseudoLabels } from '../../src/math/pseudoLabels';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

describe('hardPseudoLabels', () => {
  it('returns int32 argmax and max; ties pick the lowest class', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[0.1, 0.7, 0.2], [0.5, 0.5, 0], [0.2, 0.2, 0.6]]);
      const { labels, confidence } = hardPseudoLabels(q);
      expect(labels.dtype).toBe('int32');
      expect(values(labels)).toEqual([1, 0, 2]);
      expectClose(values(confidence), [0.7, 0.5, 0.6], 1e-7);
      tf.dispose([q, labels, confidence]);
    });
  });

  it('handles an empty batch', async () => {
    await expectNoLeak(() => {
      const q = tf.zeros([0, 4]) as tf.Tensor2D;
      const { labels, confidence } = hardPseudoLabels(q);
      expect(labels.shape).toEqual([0]);
      expect(confidence.shape).toEqual([0]);
      tf.dispose([q, labels, confidence]);
    });
  });
});

describe('confidenceMask', () => {
  it('is 1 exactly when max ≥ τ (boundary included), float32', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[0.95, 0.05], [0.9499, 0.0501], [0.02, 0.98]]);
      const m = confidenceMask({ probs: q });
      expect(m.dtype).toBe('float32');
      expect(values(m)).toEqual([1, 0, 1]);
      const m2 = confidenceMask({ probs: q }, { threshold: 0.5 });
      expect(values(m2)).toEqual([1, 1, 1]);
      tf.dispose([q, m, m2]);
    });
  });

  it('rejects a threshold outside [0, 1]', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[1, 0]]);
      expect(() => confidenceMask({ probs: q }, { threshold: 1.5 })).toThrow("tear-ssl.confidenceMask: option 'threshold' must be <= 1, got 1.5");
      q.dispose();
    });
  });
});

describe('oneHotPseudoLabels', () => {
  it('builds float32 one-hot rows, and a column of ones for one class', async () => {
    await expectNoLeak(() => {
      const labels = tf.tensor1d([2, 0], 'int32');
      const t = oneHotPseudoLabels(labels, 3);
      expect(t.dtype).toBe('float32');
      expect(values(t)).toEqual([0, 0, 1, 1, 0, 0]);
      const zero = tf.tensor1d([0, 0], 'int32');
      const one = oneHotPseudoLabels(zero, 1);
      expect(one.shape).toEqual([2, 1]);
      expect(values(one)).toEqual([1, 1]);
      tf.dispose([labels, t, zero, one]);
    });
  });
});
