import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  batchNormTrainingBackends, installBatchNormTrainingCall, uninstallBatchNormTrainingCall,
} from '../../src/backends/batchNormTrainingCall';
import { composedBatchNormTraining } from '../../src/backends/composedBatchNormTraining';
import { installWasmTrainingKernels } from '../../src/backends/wasm/install';
import { testBackend } from '../helpers/testBackend';
import { bnLayer, expectMatchesStockCall } from '../helpers/batchNormLayer';
import { expectClose, expectNoLeak } from '../helpers/tensors';

const EPS = 1e-3;

/** Training-mode batch norm in float64 over rows of C values: y, the batch mean and biased variance. */
function batchNorm64(x: Float64Array, c: number, gamma: Float64Array, beta: Float64Array): { y: Float64Array; mean: number[]; variance: number[] } {
  const rows = x.length / c;
  const mean = Array.from({ length: c }, (_, k) => { let s = 0; for (let m = 0; m < rows; m++) s += x[m * c + k]; return s / rows; });
  const variance = mean.map((mu, k) => { let s = 0; for (let m = 0; m < rows; m++) s += (x[m * c + k] - mu) ** 2; return s / rows; });
  const y = x.map((v, i) => (v - mean[i % c]) / Math.sqrt(variance[i % c] + EPS) * gamma[i % c] + beta[i % c]);
  return { y, mean, variance };
}

afterAll(async () => {
  uninstallBatchNormTrainingCall('wasm');
  await tf.setBackend(testBackend());
});

describe('composedBatchNormTraining', () => {
  it(`matches a float64 batch norm and its central-difference gradients (${testBackend()}), without leaks`, async () => {
    const shape = [3, 2, 2, 3];
    const c = 3;
    const x64 = Float64Array.from({ length: 36 }, (_, i) => Math.sin(1.7 * i + 0.3) * 2 + (i % 3));
    const g64 = Float64Array.from([1.5, -0.7, 0.9]);
    const b64 = Float64Array.from([0.2, -1, 0.5]);
    const w64 = Float64Array.from({ length: 36 }, (_, i) => Math.cos(0.9 * i));
    const loss64 = (x: Float64Array, g: Float64Array, b: Float64Array) => batchNorm64(x, c, g, b).y.reduce((s, v, i) => s + v * w64[i], 0);
    const h = 1e-6;
    const central = (arr: Float64Array, f: (a: Float64Array) => number) => Array.from(arr, (_, i) => {
      const p = arr.slice(); p[i] += h;
      const m = arr.slice(); m[i] -= h;
      return (f(p) - f(m)) / (2 * h);
    });
    const dx64 = central(x64, (a) => loss64(a, g64, b64));
    const dg64 = central(g64, (a) => loss64(x64, a, b64));
    const db64 = central(b64, (a) => loss64(x64, g64, a));
    const ref = batchNorm64(x64, c, g64, b64);
    await expectNoLeak(() => {
      const [x, gamma, beta, w] = [tf.tensor4d(Array.from(x64), shape as [number, number, number, number]), tf.tensor1d(Array.from(g64)),
        tf.tensor1d(Array.from(b64)), tf.tensor(Array.from(w64), shape)];
      const out = tf.tidy(() => {
        const { y, mean, variance } = composedBatchNormTraining(x, gamma, beta, EPS);
        const read = [y, mean, variance].map((t) => Array.from(t.dataSync()));
        tf.dispose([mean, variance]); // kept out of the tidy for the caller
        return read;
      });
      expectClose(out[0], ref.y, 1e-5, 1e-5);
      expectClose(out[1], ref.mean, 1e-6, 1e-5);
      expectClose(out[2], ref.variance, 1e-6, 1e-5);
      const grads = tf.tidy(() => tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { y, mean, variance } = composedBatchNormTraining(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, EPS);
        tf.dispose([mean, variance]);
        return tf.sum(tf.mul(y, w));
      })([x, gamma, beta]).map((t) => Array.from(t.dataSync())));
      expectClose(grads[0], dx64, 1e-5, 1e-4);
      expectClose(grads[1], dg64, 1e-5, 1e-4);
      expectClose(grads[2], db64, 1e-5, 1e-4);
      tf.dispose([x, gamma, beta, w]);
    });
  });

  it('runs BatchNormalization\'s training calls on wasm with the stock call\'s output, gradients and moving statistics, without leaks', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    installWasmTrainingKernels();
    await tf.setBackend('wasm');
    expect(batchNormTrainingBackends()).toContain('wasm');
    for (const [shape, seed] of [[[4, 6, 5, 3], 10], [[32, 14, 14, 16], 20]] as Array<[number[], number]>) {
      expectMatchesStockCall(shape, seed, () => installBatchNormTrainingCall('wasm', composedBatchNormTraining),
        () => uninstallBatchNormTrainingCall('wasm'));
    }
    await tf.setBackend(testBackend());
  });

  it('leaves other backends, inference and empty inputs to the stock call (the same bits)', async () => {
    installBatchNormTrainingCall('wasm', composedBatchNormTraining);
    await tf.setBackend('wasm');
    const image = bnLayer([3, 3, 2], 41);
    const xi = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 42);
    const inference = () => Array.from((image.apply(xi, { training: false }) as tf.Tensor).dataSync());
    const patched = inference();
    const empty = tf.zeros([0, 3, 3, 2]);
    const emptyOut = tf.tidy(() => (bnLayer([3, 3, 2], 45).apply(empty, { training: true }) as tf.Tensor).shape);
    uninstallBatchNormTrainingCall('wasm');
    expect(inference()).toEqual(patched);
    expect(tf.tidy(() => (bnLayer([3, 3, 2], 45).apply(empty, { training: true }) as tf.Tensor).shape)).toEqual(emptyOut);
    installBatchNormTrainingCall('wasm', composedBatchNormTraining);
    await tf.setBackend(testBackend());
    if (testBackend() !== 'tensorflow') {
      // 'wasm' has an implementation, the active backend does not: its training call is the stock one.
      const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 43);
      const withCall = Array.from((bnLayer([3, 3, 2], 44).apply(x, { training: true }) as tf.Tensor).dataSync());
      uninstallBatchNormTrainingCall('wasm');
      expect(Array.from((bnLayer([3, 3, 2], 44).apply(x, { training: true }) as tf.Tensor).dataSync())).toEqual(withCall);
      x.dispose();
    }
    tf.dispose([xi, empty]);
  });
});
