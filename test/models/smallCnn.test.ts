import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createSmallCnn } from '../../src/models/smallCnn';
import { TearArgumentError } from '../../src/util/checks';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';
import { expectedLogits, nonTrainableCount, trainableCount, trainableGradNorms } from './modelHelpers';

describe('createSmallCnn', () => {
  it('has the documented layer layout and parameter count (hand-computed)', async () => {
    await expectNoLeak(() => {
      const model = createSmallCnn({ inputShape: [28, 28, 1], numClasses: 10 });
      // conv 3·3·1·32 (no bias) + BN 2·32 + conv 3·3·32·64 + BN 2·64 + conv 3·3·64·128 + 128 + dense 128·10 + 10
      expect(trainableCount(model)).toBe(288 + 64 + 18432 + 128 + 73728 + 128 + 1280 + 10);
      expect(nonTrainableCount(model)).toBe(2 * 32 + 2 * 64);
      expect(model.outputs.map((o) => o.shape)).toEqual([[null, 10], [null, 128]]);
      const kinds = model.layers.map((l) => l.getClassName());
      expect(kinds).toEqual(['InputLayer', 'Conv2D', 'BatchNormalization', 'ReLU', 'MaxPooling2D', 'Conv2D', 'BatchNormalization',
        'ReLU', 'MaxPooling2D', 'Conv2D', 'ReLU', 'GlobalAveragePooling2D', 'Dense']);
      const names = model.weights.map((w) => w.name);
      expect(names.filter((n) => n.includes('moving_mean'))).toHaveLength(2);
      expect(names.filter((n) => n.includes('moving_variance'))).toHaveLength(2);
      expect(names.filter((n) => n.includes('gamma') || n.includes('beta'))).toHaveLength(4);
      // tfjs momentum is 1 − PyTorch momentum
      const bn = model.layers[2].getConfig();
      expect(bn.momentum).toBeCloseTo(0.9, 12);
      expect(bn.epsilon).toBe(1e-5);
      model.dispose();
    });
  });

  it('widens every conv with `width`', async () => {
    await expectNoLeak(() => {
      const model = createSmallCnn({ inputShape: [8, 8, 3], numClasses: 4, width: 2 });
      expect(trainableCount(model)).toBe(3 * 3 * 3 * 64 + 128 + 9 * 64 * 128 + 256 + 9 * 128 * 256 + 256 + 256 * 4 + 4);
      expect(model.outputs[1].shape).toEqual([null, 256]);
      model.dispose();
    });
  });

  it('runs on 8×8 digits-sized inputs and logits are dense(features)', async () => {
    await expectNoLeak(() => {
      const model = createSmallCnn({ inputShape: [8, 8, 1], numClasses: 10, seed: 3 });
      const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 1);
      const [logits, features] = model.predict(x) as tf.Tensor[];
      expect(logits.shape).toEqual([2, 10]);
      expect(features.shape).toEqual([2, 128]);
      // features are a mean of ReLU outputs: non-negative
      expect(Math.min(...values(features))).toBeGreaterThanOrEqual(0);
      const dense = model.layers[model.layers.length - 1];
      const [kernel, bias] = dense.getWeights();
      expectClose(values(logits), expectedLogits(values(features), 2, 128, values(kernel), values(bias), false), 1e-4, 1e-4);
      tf.dispose([x, logits, features]);
      model.dispose();
    });
  });

  it('is the same net for the same seed and differs for another seed', async () => {
    await expectNoLeak(() => {
      const a = createSmallCnn({ inputShape: [8, 8, 1], numClasses: 3, seed: 11 });
      const b = createSmallCnn({ inputShape: [8, 8, 1], numClasses: 3, seed: 11 });
      const c = createSmallCnn({ inputShape: [8, 8, 1], numClasses: 3, seed: 12 });
      const wa = values(a.getWeights()[0]);
      expect(values(b.getWeights()[0])).toEqual(wa);
      expect(values(c.getWeights()[0])).not.toEqual(wa);
      [a, b, c].forEach((m) => m.dispose());
    });
  });

  it('is trainable: every trainable variable gets a non-zero gradient', async () => {
    await expectNoLeak(() => {
      const model = createSmallCnn({ inputShape: [8, 8, 1], numClasses: 3, seed: 5 });
      const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 2);
      const norms = trainableGradNorms(model, x);
      expect(norms.size).toBe(model.trainableWeights.length);
      for (const [name, n] of norms) expect(n, name).toBeGreaterThan(0);
      x.dispose();
      model.dispose();
    });
  });

  it('rejects bad options with TearArgumentError naming the function', () => {
    expect(() => createSmallCnn({ inputShape: [2, 8, 1], numClasses: 3 })).toThrow(/createSmallCnn.*inputShape/);
    expect(() => createSmallCnn({ inputShape: [8, 8, 1], numClasses: 0 })).toThrow(TearArgumentError);
    expect(() => createSmallCnn({ inputShape: [8, 8] as unknown as [number, number, number], numClasses: 2 })).toThrow(TearArgumentError);
  });
});
