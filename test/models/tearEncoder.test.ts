import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createTearEncoder } from '../../src/models/tearEncoder';
import { TearArgumentError } from '../../src/util/checks';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';
import { expectedLogits, nonTrainableCount, trainableCount, trainableGradNorms } from './modelHelpers';

describe('createTearEncoder', () => {
  it('has the spec §8 parameter count (hand-computed) and shapes 128→64→32→16→8→4', async () => {
    await expectNoLeak(() => {
      const model = createTearEncoder({ numClasses: 7 });
      const convs = 1568 + 16416 + 32832 + 65600 + 131200; // 4·4·cin·cout + cout for 3→32, 32→32, 32→64, 64→64, 64→128
      const bn = 2 * (32 + 32 + 64 + 64 + 128);
      const neck = 2048 * 4096 + 4096 + 4096 * 256 + 256;
      const head = 256 * 7 + 7;
      expect(trainableCount(model)).toBe(convs + bn + neck + head);
      expect(trainableCount(model)).toBe(9691591);
      expect(nonTrainableCount(model)).toBe(bn);
      const convOut = model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.output as tf.SymbolicTensor).shape);
      expect(convOut).toEqual([[null, 64, 64, 32], [null, 32, 32, 32], [null, 16, 16, 64], [null, 8, 8, 64], [null, 4, 4, 128]]);
      const flatten = model.layers.find((l) => l.getClassName() === 'Flatten') as tf.layers.Layer;
      expect((flatten.output as tf.SymbolicTensor).shape).toEqual([null, 2048]);
      // activation before the norm in each block
      const kinds = model.layers.map((l) => l.getClassName());
      expect(kinds.slice(1, 5)).toEqual(['ZeroPadding2D', 'Conv2D', 'ReLU', 'BatchNormalization']);
      expect(kinds.slice(-8)).toEqual(['Flatten', 'TearSeededDropout', 'Dense', 'ReLU', 'TearSeededDropout', 'Dense', 'ReLU', 'Dense']);
      expect(model.outputs.map((o) => o.shape)).toEqual([[null, 7], [null, 256]]);
      model.dispose();
    });
  });

  it('a forward pass of one 128×128 image gives [1,C] logits from ReLU(f)', async () => {
    await expectNoLeak(() => {
      const model = createTearEncoder({ numClasses: 7, seed: 1 });
      const x = tf.randomUniform([1, 128, 128, 3], 0, 1, 'float32', 9);
      const [logits, features] = model.predict(x) as tf.Tensor[];
      expect(logits.shape).toEqual([1, 7]);
      expect(features.shape).toEqual([1, 256]);
      const f = values(features);
      // f has no activation: some entries are negative
      expect(f.some((v) => v < 0)).toBe(true);
      const [kernel, bias] = model.layers[model.layers.length - 1].getWeights();
      expectClose(values(logits), expectedLogits(f, 1, 256, values(kernel), values(bias), true), 1e-4, 1e-4);
      tf.dispose([x, logits, features]);
      model.dispose();
    });
  });

  it('is trainable on a 32×32 input (every variable gets a non-zero gradient)', async () => {
    await expectNoLeak(() => {
      const model = createTearEncoder({ inputShape: [32, 32, 3], numClasses: 3, dropout: 0.5, seed: 4 });
      const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 8);
      const norms = trainableGradNorms(model, x);
      expect(norms.size).toBe(model.trainableWeights.length);
      for (const [name, n] of norms) expect(n, name).toBeGreaterThan(0);
      x.dispose();
      model.dispose();
    });
  });

  it('rejects sides that are not multiples of 32', () => {
    expect(() => createTearEncoder({ inputShape: [100, 100, 3], numClasses: 7 })).toThrow(TearArgumentError);
    expect(() => createTearEncoder({ inputShape: [100, 100, 3], numClasses: 7 })).toThrow(/createTearEncoder.*inputShape/);
  });
});
