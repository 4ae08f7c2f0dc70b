import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataParallelGradients, shardSizes, tensorData } from '../../../src/backends/parallel/dataParallel';
import { TearArgumentError } from '../../../src/util/checks';
import { expectClose, expectNoLeak } from '../../helpers/tensors';
import { createTinyCnn, createTinyCnnWithBatchNorm, crossEntropy } from './fixtures';

const fixtures = fileURLToPath(new URL('./fixtures.ts', import.meta.url));
const BATCH = 7;

function batch(): { x: tf.Tensor; y: tf.Tensor } {
  return {
    x: tf.randomUniform([BATCH, 8, 8, 1], -1, 1, 'float32', 42),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0], 'int32'), 3).toFloat()),
  };
}

/** Single-process reference: loss and trainable gradients (model order) for the whole batch. */
function referenceGradients(model: tf.LayersModel, inputs: Record<string, tf.Tensor>): { loss: number; grads: Float32Array[] } {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => crossEntropy(model, inputs), vars);
  const out = { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('shardSizes', () => {
  it('splits rows into near-equal contiguous shards and drops empty ones', () => {
    expect(shardSizes(7, 2)).toEqual([4, 3]);
    expect(shardSizes(64, 2)).toEqual([32, 32]);
    expect(shardSizes(2, 3)).toEqual([1, 1]);
  });
});

describe('DataParallelGradients (2 wasm workers)', () => {
  let parallel: DataParallelGradients;
  beforeAll(async () => {
    parallel = await DataParallelGradients.create({
      workers: 2, backend: 'wasm',
      model: { module: fixtures, exportName: 'createTinyCnn', args: [3] },
      loss: { module: fixtures, exportName: 'crossEntropy' },
    });
  });
  afterAll(async () => {
    await parallel?.dispose();
  });

  it('gradients equal the single-process gradients on the whole batch (model without batch norm)', async () => {
    expect(parallel.backend).toBe('wasm');
    await expectNoLeak(async () => {
      const model = createTinyCnn(3);
      const b = batch();
      const reference = referenceGradients(model, b);
      const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
      const result = await parallel.compute(weights, { x: tensorData(b.x), y: tensorData(b.y) });
      expect(result.loss).toBeCloseTo(reference.loss, 5);
      expect(result.grads.length).toBe(reference.grads.length);
      result.grads.forEach((g, i) => expectClose(g, reference.grads[i], 1e-5, 1e-4));
      tf.dispose([b.x, b.y]);
      model.dispose();
    });
  });

  it('step() applies the averaged gradients: same weights as a single-process SGD step', async () => {
    await expectNoLeak(async () => {
      const a = createTinyCnn(3);
      const single = createTinyCnn(3);
      const b = batch();
      const optA = tf.train.sgd(0.5);
      const optB = tf.train.sgd(0.5);
      await parallel.step(a, optA, { x: tensorData(b.x), y: tensorData(b.y) });
      await parallel.step(a, optA, { x: tensorData(b.x), y: tensorData(b.y) });
      for (let i = 0; i < 2; i++) optB.minimize(() => crossEntropy(single, b));
      a.weights.forEach((w, i) => expectClose(w.read().dataSync(), single.weights[i].read().dataSync(), 1e-5, 1e-4));
      tf.dispose([b.x, b.y]);
      a.dispose();
      single.dispose();
      optA.dispose();
      optB.dispose();
    });
  });

  it('rejects inputs whose row counts differ and weight lists of the wrong length', async () => {
    const x = { values: new Float32Array(4 * 64), shape: [4, 8, 8, 1], dtype: 'float32' as const };
    const y = { values: new Float32Array(9), shape: [3, 3], dtype: 'float32' as const };
    await expect(parallel.compute([], { x, y })).rejects.toThrow(TearArgumentError);
    const model = createTinyCnn(3);
    const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
    await expect(parallel.compute(weights, { x, y })).rejects.toThrow(/rows/);
    model.dispose();
  });
});

describe('DataParallelGradients with batch norm', () => {
  it('differs from the whole-batch gradient (per-shard statistics), and returns averaged moving statistics', async () => {
    const parallel = await DataParallelGradients.create({
      workers: 2, backend: 'cpu',
      model: { module: fixtures, exportName: 'createTinyCnnWithBatchNorm', args: [3] },
      loss: { module: fixtures, exportName: 'crossEntropy' },
    });
    try {
      const model = createTinyCnnWithBatchNorm(3);
      const b = batch();
      const reference = referenceGradients(model, b);
      const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
      const result = await parallel.compute(weights, { x: tensorData(b.x), y: tensorData(b.y) });
      const maxDiff = Math.max(...result.grads.flatMap((g, i) => Array.from(g, (v, j) => Math.abs(v - reference.grads[i][j]))));
      expect(maxDiff).toBeGreaterThan(1e-4);
      // Moving mean and variance come back as the shard-weighted mean of the workers' statistics.
      expect(result.state.map((v) => v.length)).toEqual([4, 4]);
      for (const v of result.state) expect(Array.from(v).every(Number.isFinite)).toBe(true);
      tf.dispose([b.x, b.y]);
      model.dispose();
    } finally {
      await parallel.dispose();
    }
  });
});
