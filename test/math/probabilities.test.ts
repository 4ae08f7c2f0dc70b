import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { safeLog, softmaxProbabilities } from '../../src/math/probabilities';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

describe('softmaxProbabilities', () => {
  it('matches a hand-computed softmax and stays finite for large logits', async () => {
    await expectNoLeak(() => {
      const z = tf.tensor2d([[0, Math.log(3)], [1000, 1000]]);
      const p = softmaxProbabilities(z);
      expectClose(values(p), [0.25, 0.75, 0.5, 0.5], 1e-6);
      tf.dispose([z, p]);
    });
  });

  it('rejects rank-1 and int32 logits, naming the argument', async () => {
    await expectNoLeak(() => {
      const v = tf.tensor1d([1, 2]);
      const i = tf.tensor2d([[1, 2]], [1, 2], 'int32');
      expect(() => softmaxProbabilities(v as unknown as tf.Tensor2D)).toThrow("tear-ssl.softmaxProbabilities: argument 'logits' must have rank 2, got shape [2]");
      expect(() => softmaxProbabilities(i)).toThrow("argument 'logits' must have dtype float32, got int32");
      tf.dispose([v, i]);
    });
  });
});

describe('safeLog', () => {
  it('clamps at 1e-8 so log(0) is finite', async () => {
    await expectNoLeak(() => {
      const p = tf.tensor1d([0, 1e-12, 0.5, 1]);
      const logs = safeLog(p);
      expectClose(values(logs), [Math.log(1e-8), Math.log(1e-8), Math.log(0.5), 0], 1e-5);
      tf.dispose([p, logs]);
    });
  });
});
