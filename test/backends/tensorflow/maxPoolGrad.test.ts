import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxPoolGrad2x2 } from '../../../src/backends/tensorflow/maxPoolGrad';
import { installTensorflowTrainingGradients, uninstallTensorflowTrainingGradients } from '../../../src/backends/tensorflow/trainingGradients';
import { testBackend } from '../../helpers/testBackend';

/** Integer-valued activations with many ties (several maxima per window, and all-zero windows as after a ReLU). */
function tiedImages(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tidy(() => tf.relu(tf.floor(tf.randomUniform(shape, -2, 3, 'float32', seed))) as tf.Tensor4D);
}

describe('maxPoolGrad2x2', () => {
  it('routes each window gradient to its first maximum in row-major order (by hand, with ties)', () => {
    // One image, one channel, 2×4: windows [[1,3],[3,0]] (max 3 at 01 and 10: 01 wins) and [[2,2],[2,2]] (00 wins).
    const x = tf.tensor4d([1, 3, 2, 2, 3, 0, 2, 2], [1, 2, 4, 1]);
    const y = tf.tensor4d([3, 2], [1, 1, 2, 1]);
    const dy = tf.tensor4d([10, 20], [1, 1, 2, 1]);
    const g = maxPoolGrad2x2(dy, x, y, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor4D;
    expect(Array.from(g.dataSync())).toEqual([0, 10, 20, 0, 0, 0, 0, 0]);
    tf.dispose([x, y, dy, g]);
  });

  it('declines other pool shapes (the stock kernel runs)', () => {
    const x = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    expect(maxPoolGrad2x2(x, x, x, { filterSize: 2, strides: 2, pad: 'valid' })).toBeNull(); // odd sides
    expect(maxPoolGrad2x2(x, x, x, { filterSize: 3, strides: 1, pad: 'same' })).toBeNull();
    expect(maxPoolGrad2x2(x, x, x, { filterSize: [2, 2], strides: [2, 1], pad: 'valid' })).toBeNull();
    x.dispose();
  });

  it.runIf(testBackend() === 'tensorflow')("equals TensorFlow's MaxPoolGrad bit for bit through tf.grad, ties included, without leaks", () => {
    const x = tiedImages([3, 8, 6, 4], 5);
    const dy = tf.randomNormal([3, 4, 3, 4], 0, 1, 'float32', 6);
    const grad = () => tf.tidy(() => Array.from(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid'), dy)))(x).dataSync()));
    uninstallTensorflowTrainingGradients();
    const stock = grad();
    expect(installTensorflowTrainingGradients().kernels).toContain('MaxPoolGrad');
    const before = tf.memory().numTensors;
    const ours = grad();
    expect(tf.memory().numTensors).toBe(before);
    expect(ours).toEqual(stock);
    expect(ours.filter((v) => v !== 0).length).toBe(3 * 4 * 3 * 4); // one position per window
    tf.dispose([x, dy]);
  });
});
