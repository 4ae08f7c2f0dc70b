import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { withFeatureOutput } from '../../src/models/withFeatureOutput';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { NUM_CLASSES, SIDE, trainerOptions } from '../training/fixtures';

/** A plain tfjs classifier as a user would have it: flatten → dense 'embedding' (relu) → dense softmax. */
function sequentialClassifier(softmax = true): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [SIDE, SIDE, 1], filters: 2, kernelSize: 3, padding: 'same', name: 'conv', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 5, activation: 'relu', name: 'embedding', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.dense({ units: NUM_CLASSES, activation: softmax ? 'softmax' : 'linear', name: 'head', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
}

describe('withFeatureOutput', () => {
  it('exposes a named layer as features; a softmax output becomes logits log p (softmax gives p back)', () => {
    const classifier = sequentialClassifier();
    const model = withFeatureOutput(classifier, 'embedding');
    const x = tf.randomUniform([3, SIDE, SIDE, 1], 0, 1, 'float32', 4);
    const [logits, features] = model.predict(x) as tf.Tensor[];
    const probs = classifier.predict(x) as tf.Tensor;
    const embedding = tf.model({ inputs: classifier.inputs, outputs: classifier.getLayer('embedding').output as tf.SymbolicTensor }).predict(x) as tf.Tensor;
    expect(logits.shape).toEqual([3, NUM_CLASSES]);
    expect(features.shape).toEqual([3, 5]);
    // independently: log of the classifier's own probabilities, and its embedding layer's output
    const p = probs.arraySync() as number[][];
    (logits.arraySync() as number[][]).forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(Math.log(p[i][c]), 5)));
    expect(features.arraySync()).toEqual(embedding.arraySync());
    tf.dispose([x, logits, features, probs, embedding]);
    model.dispose();
  });

  it('leaves a linear output as it is and flattens a convolutional feature layer to [N, d]', () => {
    const classifier = sequentialClassifier(false);
    const model = withFeatureOutput(classifier, 'conv');
    const x = tf.randomUniform([2, SIDE, SIDE, 1], 0, 1, 'float32', 5);
    const [logits, features] = model.predict(x) as tf.Tensor[];
    const direct = classifier.predict(x) as tf.Tensor;
    expect(logits.arraySync()).toEqual(direct.arraySync());
    expect(features.shape).toEqual([2, SIDE * SIDE * 2]);
    tf.dispose([x, logits, features, direct]);
    model.dispose();
  });

  it('rejects an unknown layer (listing the names) and a model with two outputs', () => {
    const classifier = sequentialClassifier();
    expect(() => withFeatureOutput(classifier, 'nope')).toThrow(/withFeatureOutput: the model has no layer 'nope'; its layers are 'conv', 'flat', 'embedding', 'head'/);
    const twoOutputs = withFeatureOutput(classifier, 'embedding');
    expect(() => withFeatureOutput(twoOutputs, 'embedding')).toThrow(/must have one output, got 2/);
    classifier.dispose();
  });

  it('the adapted tf.sequential model trains one step in SemiSupervisedTrainer, which updates the original model\'s weights', async () => {
    const classifier = sequentialClassifier();
    const model = withFeatureOutput(classifier, 'embedding');
    const before = classifier.getLayer('head').getWeights()[0].arraySync() as number[][];
    const trainer = await SemiSupervisedTrainer.create(trainerOptions({ model, config: { method: 'tear', totalSteps: 1, learningRate: 0.5 } }));
    const tensorsBefore = tf.memory().numTensors;
    const [logs] = await trainer.run();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(Number.isFinite(logs.loss)).toBe(true);
    const after = classifier.getLayer('head').getWeights()[0].arraySync() as number[][];
    expect(after.flat().some((v, i) => v !== before.flat()[i])).toBe(true);
    // the EMA copy was rebuilt from the adapted model's JSON, custom log-probability layer included
    const ema = trainer.emaModel as tf.LayersModel;
    expect(ema.outputs.length).toBe(2);
    trainer.dispose();
    classifier.dispose();
  });
});
