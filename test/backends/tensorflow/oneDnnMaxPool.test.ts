import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  installOneDnnMaxPoolTraining, oneDnnMaxPool, oneDnnMaxPoolAvailable, oneDnnMaxPoolTrainingInstalled, uninstallOneDnnMaxPoolTraining,
} from '../../../src/backends/tensorflow/oneDnnMaxPool';
import { testBackend } from '../../helpers/testBackend';

const onTensorflow = testBackend() === 'tensorflow';

/** Post-ReLU integer activations: many equal maxima in a window, and all-zero windows. */
function tied(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tidy(() => tf.relu(tf.floor(tf.randomUniform(shape, -2, 3, 'float32', seed))) as tf.Tensor4D);
}

const CASES: Array<{ name: string; shape: [number, number, number, number]; poolSize: [number, number]; strides: [number, number]; padding: 'valid' | 'same' }> = [
  { name: '2×2 stride 2 valid', shape: [3, 8, 6, 4], poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
  { name: '2×2 stride 2 valid, odd sides', shape: [2, 7, 9, 3], poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
  { name: '2×2 stride 2 same on even sides (no padding)', shape: [2, 6, 8, 3], poolSize: [2, 2], strides: [2, 2], padding: 'same' },
  { name: '3×3 stride 3 same on sides divisible by 3 (no padding)', shape: [2, 6, 9, 2], poolSize: [3, 3], strides: [3, 3], padding: 'same' },
  { name: '3×2 window, strides 1×2, valid', shape: [2, 6, 8, 2], poolSize: [3, 2], strides: [1, 2], padding: 'valid' },
];

describe('oneDnnMaxPool', () => {
  afterAll(() => {
    if (onTensorflow) installOneDnnMaxPoolTraining();
  });

  it.runIf(!onTensorflow)('is unavailable off tfjs-node, and the layer keeps its own call there', () => {
    expect(oneDnnMaxPoolAvailable()).toBe(false);
    expect(() => oneDnnMaxPool(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, { poolSize: [2, 2], strides: [2, 2], padding: 'valid' })).toThrow(/needs tfjs-node/);
    installOneDnnMaxPoolTraining();
    const layer = tf.layers.maxPooling2d({ poolSize: 2 });
    const x = tied([1, 4, 4, 2], 1);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual(Array.from(tf.maxPool(x, 2, 2, 'valid').dataSync()));
    uninstallOneDnnMaxPoolTraining();
    expect(oneDnnMaxPoolTrainingInstalled()).toBe(false);
    tf.dispose([x, y]);
  });

  it.runIf(onTensorflow)('is available on this libtensorflow (oneDNN on x86-64)', () => {
    expect(oneDnnMaxPoolAvailable()).toBe(true);
  });

  for (const c of CASES) {
    it.runIf(onTensorflow)(`equals tf.maxPool and TensorFlow's MaxPoolGrad bit for bit, ties included: ${c.name}`, () => {
      const x = tied(c.shape, 3);
      const ref = tf.maxPool(x, c.poolSize, c.strides, c.padding);
      const dy = tf.randomNormal(ref.shape, 0, 1, 'float32', 4);
      const loss = (pool: (v: tf.Tensor4D) => tf.Tensor) => (v: tf.Tensor) => tf.sum(tf.mul(pool(v as tf.Tensor4D), dy));
      const stockGrad = tf.grad(loss((v) => tf.maxPool(v, c.poolSize, c.strides, c.padding)))(x);
      const before = tf.memory().numTensors;
      const y = oneDnnMaxPool(x, c);
      const grad = tf.grad(loss((v) => oneDnnMaxPool(v, c)))(x);
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(y.shape).toEqual(ref.shape);
      expect(Array.from(y.dataSync())).toEqual(Array.from(ref.dataSync()));
      expect(Array.from(grad.dataSync())).toEqual(Array.from(stockGrad.dataSync()));
      tf.dispose([x, ref, dy, stockGrad, y, grad]);
    });
  }

  it.runIf(onTensorflow)('refuses padded pooling, and the layer keeps its own call for it', () => {
    const x = tied([2, 7, 9, 3], 6);
    expect(() => oneDnnMaxPool(x, { poolSize: [3, 3], strides: [2, 2], padding: 'same' })).toThrow(/pads the border; only unpadded pooling/);
    const layer = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' });
    const g = (training: boolean) => tf.tidy(() => Array.from(tf.grad((v: tf.Tensor) => tf.sum(tf.square(layer.apply(v, { training }) as tf.Tensor)))(x).dataSync()));
    expect(g(true)).toEqual(g(false));
    x.dispose();
  });

  it.runIf(onTensorflow)('routes a window\'s gradient to its first maximum in row-major order (by hand)', () => {
    // windows [[1,3],[3,0]] (max 3 at 01 and 10: 01 wins) and [[2,2],[2,2]] (00 wins)
    const x = tf.tensor4d([1, 3, 2, 2, 3, 0, 2, 2], [1, 2, 4, 1]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(oneDnnMaxPool(v as tf.Tensor4D, { poolSize: [2, 2], strides: [2, 2], padding: 'valid' }), tf.tensor4d([10, 20], [1, 1, 2, 1]))))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 10, 20, 0, 0, 0, 0, 0]);
    tf.dispose([x, g]);
  });

  it.runIf(onTensorflow)('makes MaxPooling2D layers train as before to the bit, and leaves inference calls alone', () => {
    const build = () => {
      const input = tf.input({ shape: [8, 8, 2] });
      const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
      const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(tf.layers.reLU().apply(conv)) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(tf.layers.flatten().apply(pooled)) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    };
    const x = tf.randomUniform([4, 8, 8, 2], -1, 1, 'float32', 5);
    const gradients = (model: tf.LayersModel) => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
      return [Array.from(value.dataSync()), ...Object.values(grads).map((g) => Array.from(g.dataSync()))];
    });
    uninstallOneDnnMaxPoolTraining();
    const stock = gradients(build());
    expect(installOneDnnMaxPoolTraining()).toBe(true);
    expect(installOneDnnMaxPoolTraining()).toBe(false); // idempotent
    const model = build();
    const before = tf.memory().numTensors;
    const ours = gradients(model);
    expect(tf.memory().numTensors).toBe(before);
    expect(ours).toEqual(stock);
    const inference = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
    uninstallOneDnnMaxPoolTraining();
    expect(tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()))).toEqual(inference);
    // the stock layer call is back (inherited from Pooling2D)
    expect(Object.prototype.hasOwnProperty.call(Object.getPrototypeOf(tf.layers.maxPooling2d({})), 'call')).toBe(false);
    installOneDnnMaxPoolTraining();
    tf.dispose(x);
  });
});
