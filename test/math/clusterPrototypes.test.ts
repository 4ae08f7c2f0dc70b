import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { clusterPrototypes } from '../../src/math/clusterPrototypes';
import { expectClose, expectGradientMatches, expectNoLeak } from '../helpers/tensors';

describe('clusterPrototypes', () => {
  it('averages each cluster and gives an empty cluster a zero row (hand-computed)', async () => {
    await expectNoLeak(() => {
      const f = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      const a = tf.tensor1d([0, 0, 2], 'int32');
      const { prototypes, counts } = clusterPrototypes({ features: f, assignments: a }, { k: 3 });
      expectClose(prototypes.dataSync(), [2, 3, 0, 0, 5, 6]);
      expectClose(counts.dataSync(), [2, 0, 1]);
      expect(prototypes.shape).toEqual([3, 2]);
      tf.dispose([f, a, prototypes, counts]);
    });
  });

  it('has the numerical gradient in features', async () => {
    await expectNoLeak(() => {
      const f = tf.tensor2d([[0.3, -1.2, 0.5], [1.1, 0.4, -0.7], [-0.2, 0.9, 1.6], [0.8, -0.1, 0.2]]);
      const a = tf.tensor1d([2, 0, 2, 1], 'int32');
      const w = tf.tensor2d([[1, -2, 0.5], [0.3, 0.7, -1], [2, 1, -0.4], [0.1, 0.2, 0.3]]);
      expectGradientMatches((x) => tf.sum(tf.square(clusterPrototypes({ features: x as tf.Tensor2D, assignments: a }, { k: 4 }).prototypes.mul(w))), f);
      tf.dispose([f, a, w]);
    });
  });

  it('handles zero rows (all clusters empty)', async () => {
    await expectNoLeak(() => {
      const f = tf.zeros([0, 2]) as tf.Tensor2D;
      const a = tf.zeros([0], 'int32') as tf.Tensor1D;
      const { prototypes, counts } = clusterPrototypes({ features: f, assignments: a }, { k: 2 });
      expect(prototypes.arraySync()).toEqual([[0, 0], [0, 0]]);
      expect(Array.from(counts.dataSync())).toEqual([0, 0]);
      tf.dispose([f, a, prototypes, counts]);
    });
  });

  it('rejects out-of-range ids, float ids and mismatched lengths, naming both shapes', async () => {
    await expectNoLeak(() => {
      const f = tf.tensor2d([[1, 2], [3, 4]]);
      const a = tf.tensor1d([0, 2], 'int32');
      expect(() => clusterPrototypes({ features: f, assignments: a }, { k: 2 })).toThrow(/'assignments' \[2\] has value 2 at index 1, outside \[0, 2\)/);
      const short = tf.tensor1d([0], 'int32');
      expect(() => clusterPrototypes({ features: f, assignments: short }, { k: 2 })).toThrow(/'features' \[2,2\].*'assignments' \[1\]/);
      const floats = tf.tensor1d([0, 1]);
      expect(() => clusterPrototypes({ features: f, assignments: floats as tf.Tensor1D }, { k: 2 })).toThrow(/dtype int32/);
      tf.dispose([f, a, short, floats]);
    });
  });
});
