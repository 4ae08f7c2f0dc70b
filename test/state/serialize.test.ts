import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { deserializeTensor, disposeState, serializeTensor } from '../../src/state/serialize';
import { expectNoLeak } from '../helpers/tensors';

describe('tensor serialisation', () => {
  it('round-trips shape, dtype and values through JSON', async () => {
    await expectNoLeak(async () => {
      const t = tf.tensor2d([[1.5, -2], [3, 4.25]]);
      const i = tf.tensor1d([3, 1], 'int32');
      const back = deserializeTensor(JSON.parse(JSON.stringify(await serializeTensor(t))));
      const backI = deserializeTensor(JSON.parse(JSON.stringify(await serializeTensor(i))));
      expect(back.shape).toEqual([2, 2]);
      expect(Array.from(back.dataSync())).toEqual([1.5, -2, 3, 4.25]);
      expect(backI.dtype).toBe('int32');
      tf.dispose([t, i, back, backI]);
    });
  });

  it('names the field when the value count does not fit the shape', () => {
    expect(() => deserializeTensor({ shape: [2, 2], dtype: 'float32', values: [1, 2, 3] }, 'ema.weights.conv1'))
      .toThrow("field 'ema.weights.conv1' has shape [2,2] (4 values) but 3 values");
  });

  it('disposeState frees nested tensors', () => {
    const before = tf.memory().numTensors;
    const state = { a: tf.zeros([2]), b: [tf.ones([1]), { c: tf.zeros([3]) }], step: 3 };
    expect(tf.memory().numTensors).toBe(before + 3);
    disposeState(state);
    expect(tf.memory().numTensors).toBe(before);
  });
});
