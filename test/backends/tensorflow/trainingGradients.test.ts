import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  installTensorflowTrainingGradients, uninstallTensorflowTrainingGradients,
} from '../../../src/backends/tensorflow/trainingGradients';
import { testBackend } from '../../helpers/testBackend';

/** x with positive, negative and zero entries, and a non-trivial upstream gradient. */
const X = [[[[1.5, -2]], [[0, 3]]], [[[-0.5, 0.25]], [[2, -1]]]]; // [2,2,1,2]
const DY = [[[[0.3, -0.7]], [[1.1, 0.2]]], [[[-0.4, 0.9]], [[0.5, -1.3]]]];

/** Gradient of Σ dy·f(x) with respect to x, as nested arrays (no tensors left behind). */
function gradOf(f: (x: tf.Tensor) => tf.Tensor): number[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(X);
    const dy = tf.tensor4d(DY);
    return Array.from(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), dy)))(x).dataSync());
  });
}

const flat = (a: number[][][][]): number[] => a.flat(3);

describe('installTensorflowTrainingGradients', () => {
  afterEach(() => {
    uninstallTensorflowTrainingGradients();
    // Under TEAR_TEST_BACKEND=tensorflow the suite runs with them installed (test/helpers/testBackend.ts).
    if (testBackend() === 'tensorflow') installTensorflowTrainingGradients();
  });

  it('gives the stock gradients of Relu, LeakyRelu, Mean, Sum and batch norm, checked by hand', () => {
    uninstallTensorflowTrainingGradients();
    const stock = {
      relu: gradOf((x) => tf.relu(x)),
      leaky: gradOf((x) => tf.leakyRelu(x, 0.1)),
      mean: gradOf((x) => tf.mul(tf.mean(x, [0, 1, 2], true), x)),
      sum: gradOf((x) => tf.sum(x, [1, 2], true)),
      bn: gradOf((x) => tf.batchNorm(x, tf.tensor1d([0.5, -0.25]), tf.tensor1d([2, 0.5]), tf.tensor1d([0.1, 0.2]), tf.tensor1d([1.5, -1]), 1e-3)),
    };
    const installed = installTensorflowTrainingGradients();
    expect(installed.gradients.sort()).toEqual(['FusedBatchNorm', 'LeakyRelu', 'Mean', 'Relu', 'Sum']);
    const ours = {
      relu: gradOf((x) => tf.relu(x)),
      leaky: gradOf((x) => tf.leakyRelu(x, 0.1)),
      mean: gradOf((x) => tf.mul(tf.mean(x, [0, 1, 2], true), x)),
      sum: gradOf((x) => tf.sum(x, [1, 2], true)),
      bn: gradOf((x) => tf.batchNorm(x, tf.tensor1d([0.5, -0.25]), tf.tensor1d([2, 0.5]), tf.tensor1d([0.1, 0.2]), tf.tensor1d([1.5, -1]), 1e-3)),
    };
    const x = flat(X);
    const dy = flat(DY);
    // By hand: relu' = dy·(x > 0); leaky' = x > 0 ? dy : 0.1·dy; Σ over axes (1,2) kept, times dy: Σ_h dy[b,h,0,c].
    expect(ours.relu.map((v) => v + 0)).toEqual(x.map((v, i) => Math.fround(v > 0 ? dy[i] : 0))); // + 0: dy·0 is −0 for dy < 0
    expect(ours.leaky.map((v) => Math.fround(v))).toEqual(x.map((v, i) => Math.fround(v > 0 ? dy[i] : Math.fround(0.1) * Math.fround(dy[i]))));
    expect(ours.sum).toEqual(dy.map((_, i) => Math.fround(Math.fround(dy[i - (i % 4) + (i % 2)]) + Math.fround(dy[i - (i % 4) + 2 + (i % 2)]))));
    // mean over axes 0..2 per channel c: m_c = Σ x/4; d/dx_i Σ dy·m_c·x = dy_i·m_c + Σ_{j∈c} dy_j·x_j / 4.
    const manual = x.map((_, i) => {
      const c = i % 2;
      const idx = x.map((__, j) => j).filter((j) => j % 2 === c);
      const m = idx.reduce((s, j) => s + x[j], 0) / 4;
      return dy[i] * m + idx.reduce((s, j) => s + dy[j] * x[j], 0) / 4;
    });
    ours.mean.forEach((v, i) => expect(v).toBeCloseTo(manual[i], 5));
    // batch norm with fixed statistics: dx = dy·scale/√(var + ε) per channel.
    const scale = [1.5, -1];
    const variance = [2, 0.5];
    ours.bn.forEach((v, i) => expect(v).toBeCloseTo(dy[i] * scale[i % 2] / Math.sqrt(variance[i % 2] + 1e-3), 5));
    // Against tfjs-core's own gradients: equal (the batch norm to float32 rounding of a reordered product).
    expect(ours.relu).toEqual(stock.relu);
    expect(ours.leaky).toEqual(stock.leaky);
    expect(ours.sum).toEqual(stock.sum);
    expect(ours.mean).toEqual(stock.mean);
    ours.bn.forEach((v, i) => expect(v).toBeCloseTo(stock.bn[i], 6));
  });

  it('batch norm: gradients of mean, variance, scale and offset match the stock ones and the formulas', () => {
    const grads = (): number[][] => tf.tidy(() => {
      const x = tf.tensor4d(X);
      const dy = tf.tensor4d(DY);
      const f = (m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, sc: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(x, m, v, o, sc, 1e-3), dy));
      const g = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([tf.tensor1d([0.5, -0.25]), tf.tensor1d([2, 0.5]), tf.tensor1d([0.1, 0.2]), tf.tensor1d([1.5, -1])]);
      return g.map((t) => Array.from(t.dataSync()));
    });
    uninstallTensorflowTrainingGradients();
    const stock = grads();
    installTensorflowTrainingGradients();
    const ours = grads();
    const x = flat(X);
    const dy = flat(DY);
    const mean = [0.5, -0.25];
    const variance = [2, 0.5];
    const scale = [1.5, -1];
    const channel = (c: number, f: (i: number) => number) => x.reduce((acc, _, i) => acc + (i % 2 === c ? f(i) : 0), 0);
    for (const c of [0, 1]) {
      const r = 1 / Math.sqrt(variance[c] + 1e-3);
      const sumDy = channel(c, (i) => dy[i]);
      const sumDyCentered = channel(c, (i) => dy[i] * (x[i] - mean[c]));
      expect(ours[0][c]).toBeCloseTo(-scale[c] * r * sumDy, 5);
      expect(ours[1][c]).toBeCloseTo(-0.5 * scale[c] * r ** 3 * sumDyCentered, 5);
      expect(ours[2][c]).toBeCloseTo(sumDy, 5);
      expect(ours[3][c]).toBeCloseTo(r * sumDyCentered, 5);
    }
    ours.forEach((g, k) => g.forEach((v, i) => expect(v).toBeCloseTo(stock[k][i], 5)));
  });

  it("runs TensorFlow's ReluGrad on 'tensorflow' and the displaced gradient elsewhere, and leaks nothing", async () => {
    installTensorflowTrainingGradients();
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => { gradOf((x) => tf.relu(x)); gradOf((x) => tf.leakyRelu(x, 0.2)); });
    const names = info.kernels.map((k) => k.name);
    if (tf.getBackend() === 'tensorflow') {
      expect(names).toContain('TearReluGrad');
      expect(names).toContain('TearLeakyReluGrad');
      expect(names).not.toContain('Step');
    } else {
      expect(names).not.toContain('TearReluGrad');
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('uninstall puts back the exact gradient configs it displaced; a second install is a no-op', () => {
    uninstallTensorflowTrainingGradients();
    const stock = tf.getGradient('Relu');
    const first = installTensorflowTrainingGradients();
    expect(tf.getGradient('Relu')).not.toBe(stock);
    expect(installTensorflowTrainingGradients()).toEqual(first);
    uninstallTensorflowTrainingGradients();
    expect(tf.getGradient('Relu')).toBe(stock);
  });
});
