import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { fusedBatchNormTraining, installFusedBatchNormTraining, uninstallFusedBatchNormTraining } from '../../../src/backends/tensorflow/fusedBatchNormTraining';
import { testBackend } from '../../helpers/testBackend';
import { bnLayer, expectMatchesStockCall, trainingCall } from '../../helpers/batchNormLayer';

afterAll(() => uninstallFusedBatchNormTraining());

describe('training-mode batch norm as one TensorFlow kernel (fusedBatchNormTraining)', () => {
  it.runIf(testBackend() !== 'tensorflow')('names the backend it needs elsewhere, and leaves every BatchNormalization call as it was', () => {
    const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    expect(() => fusedBatchNormTraining(x, tf.ones([2]) as tf.Tensor1D, tf.zeros([2]) as tf.Tensor1D, 1e-3)).toThrow(/needs the 'tensorflow' backend/);
    const dy = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 2);
    uninstallFusedBatchNormTraining();
    const stock = trainingCall(bnLayer([3, 3, 2], 3), x, dy);
    installFusedBatchNormTraining();
    const before = tf.memory().numTensors;
    const withInstall = trainingCall(bnLayer([3, 3, 2], 3), x, dy);
    expect(withInstall).toEqual(stock); // other backends run the stock call: same bits
    expect(tf.memory().numTensors).toBe(before + 4); // the new layer's four weights
    tf.dispose([x, dy]);
  });

  it.runIf(testBackend() === 'tensorflow')('gives the stock layer\'s output, gradients and moving statistics to float32 rounding, without leaks', () => {
    for (const [shape, seed] of [[[4, 6, 5, 3], 10], [[32, 14, 14, 16], 20]] as Array<[number[], number]>) {
      expectMatchesStockCall(shape, seed, installFusedBatchNormTraining, uninstallFusedBatchNormTraining);
    }
  });

  it.runIf(testBackend() === 'tensorflow')('normalises by hand: per channel, mean β and standard deviation γ·√(σ²/(σ²+ε)); inference and dense inputs run the stock call', () => {
    installFusedBatchNormTraining();
    const x = tf.randomNormal([8, 4, 4, 2], 3, 2, 'float32', 31) as tf.Tensor4D;
    const gamma = tf.tensor1d([2, 0.5]);
    const beta = tf.tensor1d([1, -1]);
    const { y, mean, variance } = fusedBatchNormTraining(x, gamma, beta, 1e-3);
    const xs = Array.from(x.dataSync());
    const ys = Array.from(y.dataSync());
    for (let c = 0; c < 2; c++) {
      const xc = xs.filter((_, i) => i % 2 === c);
      const yc = ys.filter((_, i) => i % 2 === c);
      const mu = xc.reduce((a, b) => a + b, 0) / xc.length;
      const v = xc.reduce((a, b) => a + (b - mu) ** 2, 0) / xc.length; // biased, float64
      expect(mean.dataSync()[c]).toBeCloseTo(mu, 4);
      expect(variance.dataSync()[c] / v).toBeCloseTo(1, 5);
      const ym = yc.reduce((a, b) => a + b, 0) / yc.length;
      const ysd = Math.sqrt(yc.reduce((a, b) => a + (b - ym) ** 2, 0) / yc.length);
      expect(ym).toBeCloseTo([1, -1][c], 4);
      expect(ysd / ([2, 0.5][c] * Math.sqrt(v / (v + 1e-3)))).toBeCloseTo(1, 4);
    }
    tf.dispose([x, gamma, beta, y, mean, variance]);
    // inference, and a rank-2 input, go through the stock call: the same bits with and without the install
    const dense = tf.layers.batchNormalization({ axis: -1 });
    dense.build([null, 3]);
    const d = tf.randomNormal([5, 3], 0, 1, 'float32', 40);
    const image = bnLayer([3, 3, 2], 41);
    const xi = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 42);
    const run = () => [Array.from((dense.apply(d, { training: true }) as tf.Tensor).dataSync()), Array.from((image.apply(xi, { training: false }) as tf.Tensor).dataSync())];
    const fusedRun = run();
    uninstallFusedBatchNormTraining();
    const initial = [tf.ones([3]), tf.zeros([3]), tf.zeros([3]), tf.ones([3])];
    dense.setWeights(initial); // undo the moving-average update of the first call
    tf.dispose(initial);
    const stockRun = run();
    expect(fusedRun[1]).toEqual(stockRun[1]);
    expect(fusedRun[0]).toEqual(stockRun[0]);
    tf.dispose([d, xi]);
  });
});
