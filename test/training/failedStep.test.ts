import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, type MethodName } from '../../src/training/algorithms/registry';
import type { Algorithm } from '../../src/training/algorithms/types';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { trainerOptions } from './fixtures';

/** A test-only algorithm whose masker throws in the middle of the forward pass (after the model ran under the gradient tape). */
const failing: Algorithm = {
  name: 'failing', description: 'throws in its masker', unlabeled: true,
  masker: { name: 'failing', mask: () => { throw new Error('the masker failed'); } },
};

describe('a step whose objective throws', () => {
  it('leaves no tensor behind (tfjs keeps the tape\'s saved tensors until a backward pass that never comes) and the trainer stays usable', async () => {
    const table = ALGORITHMS as Record<string, Algorithm>;
    table.failing = failing;
    try {
      const options = trainerOptions({ config: { method: 'failing' as MethodName } });
      const before = tf.memory().numTensors;
      const trainer = await SemiSupervisedTrainer.create(options);
      const created = tf.memory().numTensors;
      await expect(trainer.trainStep()).rejects.toThrow('the masker failed');
      expect(tf.memory().numTensors, 'tensors left by the failed step').toBe(created);
      await expect(trainer.trainStep()).rejects.toThrow('the masker failed');
      expect(tf.memory().numTensors).toBe(created);
      trainer.dispose();
      expect(tf.memory().numTensors).toBe(before);
      (options.model as tf.LayersModel).dispose();
    } finally {
      delete table.failing;
    }
  });
});
