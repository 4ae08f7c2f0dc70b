import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { LabeledBatch } from '../../src/data/types';
import { evaluateModels, predictProbabilities } from '../../src/training/evaluateModels';
import { expectNoLeak } from '../helpers/tensors';

/** Two batches of 1×1×1 images whose pixel value is the true class (0, 1 or 2). */
function batches(): LabeledBatch[] {
  return [[0, 1, 2], [2, 1]].map((ys) => ({
    images: tf.tensor4d(ys, [ys.length, 1, 1, 1]),
    labels: tf.tensor1d(ys, 'int32'),
  }));
}

/** Logits that put all mass on class `f(pixel)`. */
const predicts = (f: (pixel: tf.Tensor1D) => tf.Tensor1D) => (x: tf.Tensor4D) =>
  tf.tidy(() => tf.oneHot(tf.cast(f(tf.reshape(x, [-1]) as tf.Tensor1D), 'int32') as tf.Tensor1D, 3).mul(10) as tf.Tensor2D);

describe('evaluateModels', () => {
  it('reports each model over every batch (hand-counted accuracies) and frees the batches', async () => {
    await expectNoLeak(async () => {
      const perfect = predicts((p) => p);
      const alwaysZero = predicts((p) => tf.zerosLike(p));
      const [a, b] = await evaluateModels([perfect, alwaysZero], batches(), 3);
      expect(a.accuracy).toBe(1);
      expect(b.accuracy).toBeCloseTo(1 / 5, 10); // one of the five labels is 0
      expect(b.confusionMatrix[1][0]).toBe(2);
    });
  });

  it('predictProbabilities returns the labels in batch order and each model\'s softmax rows', async () => {
    const out = await expectNoLeak(() => predictProbabilities([predicts((p) => p)], batches()));
    expect(out.labels).toEqual([0, 1, 2, 2, 1]);
    expect(out.probs).toHaveLength(1);
    // softmax of a one-hot·10 row: e^10 / (e^10 + 2) on the label, 1 / (e^10 + 2) elsewhere
    const hit = Math.exp(10) / (Math.exp(10) + 2);
    const miss = 1 / (Math.exp(10) + 2);
    const expected = [0, 1, 2, 2, 1].flatMap((y) => [0, 1, 2].map((c) => (c === y ? hit : miss)));
    out.probs[0].forEach((v, i) => expect(v, `entry ${i}`).toBeCloseTo(expected[i], 6));
  });

  it('applies preprocess before the models', async () => {
    await expectNoLeak(async () => {
      const [r] = await evaluateModels([predicts((p) => p)], batches(), 3, { preprocess: (x) => tf.mul(x, 0) as tf.Tensor4D });
      expect(r.accuracy).toBeCloseTo(1 / 5, 10);
    });
  });

  it('accepts a LayersModel with outputs [logits, features]', async () => {
    await expectNoLeak(async () => {
      const input = tf.input({ shape: [1, 1, 1] });
      const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
      const logits = tf.layers.dense({ units: 3, kernelInitializer: 'zeros' }).apply(flat) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: [logits, flat] });
      const [r] = await evaluateModels([model], batches(), 3);
      expect(r.accuracy).toBeCloseTo(1 / 5, 10); // equal logits: argmax picks class 0
      model.dispose();
    });
  });
});
