import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** A BatchNormalization layer (momentum 0.9, ε = 1e-3) on [H, W, C] inputs with non-trivial γ, β and moving statistics. */
export function bnLayer(shape: number[], seed: number): tf.layers.Layer {
  const layer = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-3 });
  layer.build([null, ...shape]);
  const c = shape[shape.length - 1];
  const weights = [
    tf.randomUniform([c], 0.5, 1.5, 'float32', seed), tf.randomNormal([c], 0, 1, 'float32', seed + 1),
    tf.randomNormal([c], 0, 1, 'float32', seed + 2), tf.randomUniform([c], 0.5, 2, 'float32', seed + 3),
  ];
  layer.setWeights(weights);
  tf.dispose(weights);
  return layer;
}

/** y, dL/dx, dL/dγ, dL/dβ (L = Σ y·dy) of a call (training mode by default), and the moving statistics after it. */
export function trainingCall(layer: tf.layers.Layer, x: tf.Tensor, dy: tf.Tensor, training = true): number[][] {
  return tf.tidy(() => {
    const [gamma, beta] = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const loss = (v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v, { training }) as tf.Tensor, dy)) as tf.Scalar;
    const { grads } = tf.variableGrads(() => loss(x), [gamma, beta]);
    const dx = tf.grad(loss)(x);
    const y = layer.apply(x, { training }) as tf.Tensor;
    return [y, dx, grads[gamma.name], grads[beta.name], ...layer.getWeights().slice(2)].map((t) => Array.from(t.dataSync()));
  });
}

/** max |a − b| over max |b| (b the reference). */
export function maxRelativeDifference(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs), 1e-12);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

/**
 * Checks a training-mode batch-norm call `install` puts in place against tfjs-layers' stock call on the
 * active backend, for x and dy of `shape` [N, H, W, C]: y, dx, dγ, dβ and the moving statistics agree to
 * float32 rounding (relative 2·10⁻⁵), `install` is idempotent (true, then false), and a call adds no
 * tensor but the new layer's four weights. Leaves the call installed.
 */
export function expectMatchesStockCall(shape: number[], seed: number, install: () => boolean, uninstall: () => void): void {
  const x = tf.randomNormal(shape, 0.5, 2, 'float32', seed);
  const dy = tf.randomNormal(shape, 0, 1, 'float32', seed + 5);
  uninstall();
  const stock = trainingCall(bnLayer(shape.slice(1), seed), x, dy);
  expect(install(), 'install').toBe(true);
  expect(install(), 'a second install').toBe(false);
  trainingCall(bnLayer(shape.slice(1), seed), x, dy); // warm-up
  const before = tf.memory().numTensors;
  const installed = trainingCall(bnLayer(shape.slice(1), seed), x, dy);
  expect(tf.memory().numTensors).toBe(before + 4); // the new layer's weights only
  const names = ['y', 'dx', 'dγ', 'dβ', 'moving mean', 'moving variance'];
  installed.forEach((values, i) => expect(maxRelativeDifference(values, stock[i]), `${names[i]} ${shape}`).toBeLessThan(2e-5));
  tf.dispose([x, dy]);
}
