import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '../helpers/tensors';
import { appliesWeightDecay, isBatchNormStatistic } from '../../src/training/weightDecay';

describe('appliesWeightDecay', () => {
  it('skips batch-norm gamma/beta and moving statistics, decays kernels and biases', () => {
    expect(appliesWeightDecay('batch_normalization_BatchNormalization1/gamma')).toBe(false);
    expect(appliesWeightDecay('batch_normalization_BatchNormalization1/beta')).toBe(false);
    expect(appliesWeightDecay('batch_normalization_BatchNormalization1/gamma_3')).toBe(false);
    expect(appliesWeightDecay('bn/moving_mean')).toBe(false);
    expect(appliesWeightDecay('bn/moving_variance')).toBe(false);
    expect(appliesWeightDecay('conv2d_Conv2D1/kernel')).toBe(true);
    expect(appliesWeightDecay('dense_Dense1/bias')).toBe(true);
    expect(appliesWeightDecay('gamma_layer/kernel')).toBe(true);
    expect(appliesWeightDecay('betanorm')).toBe(true);
    expect(isBatchNormStatistic('x/moving_mean')).toBe(true);
    expect(isBatchNormStatistic('x/gamma')).toBe(false);
  });

  it('classifies every weight of a real tfjs-layers model as expected', () => expectNoLeak(() => {
    const input = tf.input({ shape: [4, 4, 1] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization().apply(conv) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(bn) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(flat) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const decays = model.weights.map((w) => [w.name.replace(/.*\//, ''), appliesWeightDecay((w.read() as tf.Variable).name)]);
    expect(Object.fromEntries(decays.map(([n, d]) => [String(n).replace(/_\d+$/, ''), d]))).toEqual({
      kernel: true, bias: true, gamma: false, beta: false, moving_mean: false, moving_variance: false,
    });
    model.dispose();
  }));
});
