import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherWithoutReadInstalled, installGatherWithoutRead, uninstallGatherWithoutRead } from '../../../src/backends/tensorflow/gatherWithoutRead';
import { testBackend } from '../../helpers/testBackend';

const onTensorflow = testBackend() === 'tensorflow';

/** Runs `fn` with the stock GatherV2 kernel, then with the replacement; returns both results as arrays. */
function both(fn: () => tf.Tensor): { stock: { shape: number[]; values: number[] }; ours: { shape: number[]; values: number[] } } {
  const read = () => tf.tidy(() => {
    const t = fn();
    return { shape: t.shape, values: Array.from(t.dataSync()) };
  });
  uninstallGatherWithoutRead();
  const stock = read();
  installGatherWithoutRead();
  return { stock, ours: read() };
}

/** How many times the backend's readSync runs during `fn`. */
function countReads(fn: () => void): number {
  const backend = tf.backend() as unknown as { readSync: (id: unknown) => unknown };
  const original = backend.readSync;
  let reads = 0;
  backend.readSync = function (this: unknown, id: unknown) {
    reads++;
    return original.call(this, id);
  };
  try {
    fn();
  } finally {
    backend.readSync = original;
  }
  return reads;
}

describe('installGatherWithoutRead', () => {
  afterAll(() => {
    if (onTensorflow) installGatherWithoutRead();
  });

  it.runIf(!onTensorflow)('changes nothing without tfjs-node (returns false)', () => {
    expect(installGatherWithoutRead()).toBe(false);
    expect(gatherWithoutReadInstalled()).toBe(false);
  });

  it.runIf(onTensorflow)('gives the stock kernel\'s values for every axis, batchDims and dtype, without leaks', () => {
    const x = tf.tensor3d(Array.from({ length: 2 * 5 * 3 }, (_, i) => i * 0.5 - 3.25), [2, 5, 3]);
    const xi = tf.cast(tf.mul(x, 4), 'int32');
    const xb = tf.greater(x, 0);
    const rows = tf.tensor1d([1, 0, 1, 1], 'int32');
    const grid = tf.tensor2d([[4, 0], [2, 2], [3, 1]], [3, 2], 'int32');
    const perImage = tf.tensor2d([[4, 0, 1], [2, 2, 3]], [2, 3], 'int32');
    const before = tf.memory().numTensors;
    const cases: Array<[string, () => tf.Tensor]> = [
      ['axis 0, 1-D indices', () => tf.gather(x, rows)],
      ['axis 0, 2-D indices', () => tf.gather(tf.reshape(x, [10, 3]), grid)],
      ['axis 0, one value per row', () => tf.gather(tf.reshape(x, [30]), tf.tensor1d([29, 0, 7, 7], 'int32'))],
      ['axis 1', () => tf.gather(x, grid, 1)],
      ['batchDims 1', () => tf.gather(x, perImage, 1, 1)],
      ['int32', () => tf.gather(xi, rows)],
      ['bool', () => tf.gather(xb, tf.tensor1d([0, 1, 1, 0, 1, 1], 'int32'), 0)],
      ['empty indices', () => tf.gather(x, tf.tensor1d([], 'int32'))],
    ];
    for (const [name, fn] of cases) {
      const { stock, ours } = both(fn);
      expect(ours, name).toEqual(stock);
    }
    // tfjs-node's own kernel fails on a negative axis (it reads x.shape[-1]); ours parses it as tf.gather documents
    const last = tf.tidy(() => Array.from(tf.gather(x, tf.tensor1d([2, 0], 'int32'), -1).dataSync()));
    expect(last).toEqual(both(() => tf.gather(x, tf.tensor1d([2, 0], 'int32'), 2)).stock.values);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, xi, xb, rows, grid, perImage]);
  });

  it.runIf(onTensorflow)('reads no index back, where the stock kernel reads them', () => {
    const x = tf.randomUniform([1000, 1]);
    const indices = tf.tensor1d(Array.from({ length: 500 }, (_, i) => (i * 7) % 1000), 'int32');
    uninstallGatherWithoutRead();
    expect(countReads(() => tf.gather(x, indices).dispose())).toBeGreaterThan(0);
    installGatherWithoutRead();
    expect(countReads(() => tf.gather(x, indices).dispose())).toBe(0);
    expect(countReads(() => tf.gather(tf.reshape(x, [1, 1000]), indices, 1).dispose())).toBe(0);
    tf.dispose([x, indices]);
  });

  it.runIf(onTensorflow)('keeps the gradient (UnsortedSegmentSum of dy) of the stock kernel', () => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, tf.tensor1d([2, 0, 2], 'int32')), tf.tensor2d([[1, 10], [100, 1000], [2, 20]]))))(x);
    expect(Array.from(g.dataSync())).toEqual([100, 1000, 0, 0, 3, 30]);
    tf.dispose([x, g]);
  });

  it.runIf(onTensorflow)('refuses an index outside the gathered axis, naming it (TensorFlow checks on the CPU)', () => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    expect(() => tf.gather(x, tf.tensor1d([0, 3], 'int32'))).toThrow(/3/);
    expect(() => tf.gather(x, tf.tensor1d([-1], 'int32'))).toThrow(/-1/);
    expect(() => tf.gather(x, tf.tensor1d([2], 'int32'), 1)).toThrow(/2/);
    expect(tf.memory().numTensors).toBeLessThan(20);
    x.dispose();
  });
});
