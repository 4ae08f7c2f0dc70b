import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchIndicesAt, evaluationBatches, labeledBatches, unlabeledBatches } from '../../src/data/batchSource';
import type { ImageDataset } from '../../src/data/types';
import { TearArgumentError } from '../../src/util/checks';
import { expectNoLeak } from '../helpers/tensors';

/** N images of 2×2×1 whose every pixel encodes the sample index (i/100), with label i mod 3. */
function toyDataset(n: number): ImageDataset {
  const images = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) images.fill(i / 100, i * 4, i * 4 + 4);
  return { images, labels: Int32Array.from({ length: n }, (_, i) => i % 3), shape: [2, 2, 1], numClasses: 3, classNames: ['a', 'b', 'c'] };
}

/** The sample id each image row encodes, checking all four pixels agree. */
function sampleIdsOf(images: tf.Tensor4D): number[] {
  const v = images.dataSync();
  const ids: number[] = [];
  for (let b = 0; b < images.shape[0]; b++) {
    const id = Math.round(v[b * 4] * 100);
    for (let p = 1; p < 4; p++) expect(v[b * 4 + p]).toBe(v[b * 4]);
    ids.push(id);
  }
  return ids;
}

async function takeBatches<T>(stream: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of stream) {
    out.push(batch);
    if (out.length === count) break;
  }
  return out;
}

const disposeAll = (batches: Array<Record<string, tf.Tensor | undefined>>) =>
  batches.forEach((b) => Object.values(b).forEach((t) => t?.dispose()));

describe('batchIndicesAt', () => {
  it('visits every index exactly once per epoch, across epoch boundaries', () => {
    const indices = [3, 5, 8, 13, 21, 34, 55];
    // 7 indices, batch 3: 7 batches = exactly 3 epochs
    const stream = Array.from({ length: 7 }, (_, k) => Array.from(batchIndicesAt(indices, 3, 11, k))).flat();
    for (let e = 0; e < 3; e++) expect(stream.slice(e * 7, e * 7 + 7).sort((a, b) => a - b)).toEqual(indices);
    expect(stream.slice(0, 7)).not.toEqual(stream.slice(7, 14));
  });

  it('is a pure function of (seed, step) and differs between seeds', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.nat(1000), fc.nat(50), (n, batch, seed, step) => {
      const indices = Array.from({ length: n }, (_, i) => 2 * i);
      const a = batchIndicesAt(indices, batch, seed, step);
      expect(Array.from(batchIndicesAt(indices, batch, seed, step))).toEqual(Array.from(a));
      // element j of the stream belongs to epoch floor(j/n) and is a member of indices
      for (const v of a) expect(v % 2 === 0 && v < 2 * n).toBe(true);
    }));
    const indices = Array.from({ length: 50 }, (_, i) => i);
    expect(Array.from(batchIndicesAt(indices, 10, 1, 0))).not.toEqual(Array.from(batchIndicesAt(indices, 10, 2, 0)));
  });

  it('allows a batch larger than the index set (wraps into the next epochs)', () => {
    const b = Array.from(batchIndicesAt([7, 9], 5, 3, 0));
    expect(b.length).toBe(5);
    expect(b.slice(0, 2).sort()).toEqual([7, 9]);
    expect(b.slice(2, 4).sort()).toEqual([7, 9]);
  });
});

describe('labeledBatches', () => {
  it('yields images whose labels match, and resumes at startStep k with the k-th batch of a fresh stream', async () => {
    await expectNoLeak(async () => {
      const data = toyDataset(23);
      const indices = [0, 2, 4, 5, 6, 9, 10, 11, 15, 17, 19, 22];
      const fresh = await takeBatches(labeledBatches(data, indices, 5, { seed: 42 }), 8);
      for (const [k, batch] of fresh.entries()) {
        expect(batch.images.shape).toEqual([5, 2, 2, 1]);
        expect(batch.labels.dtype).toBe('int32');
        const ids = sampleIdsOf(batch.images);
        expect(ids).toEqual(Array.from(batchIndicesAt(indices, 5, 42, k)));
        expect(Array.from(batch.labels.dataSync())).toEqual(ids.map((i) => i % 3));
        for (const id of ids) expect(indices).toContain(id);
      }
      for (const k of [0, 3, 7]) {
        for (const prefetch of [0, 2]) {
          const [resumed] = await takeBatches(labeledBatches(data, indices, 5, { seed: 42, startStep: k, prefetch }), 1);
          expect(sampleIdsOf(resumed.images)).toEqual(sampleIdsOf(fresh[k].images));
          expect(Array.from(resumed.labels.dataSync())).toEqual(Array.from(fresh[k].labels.dataSync()));
          disposeAll([resumed as unknown as Record<string, tf.Tensor>]);
        }
      }
      disposeAll(fresh as unknown as Array<Record<string, tf.Tensor>>);
    });
  });

  it('resumes at a very large step without building the earlier batches', async () => {
    await expectNoLeak(async () => {
      const data = toyDataset(10);
      const step = 1e9;
      const [batch] = await takeBatches(labeledBatches(data, [1, 2, 3, 4, 5, 6, 7], 4, { seed: 5, startStep: step }), 1);
      expect(sampleIdsOf(batch.images)).toEqual(Array.from(batchIndicesAt([1, 2, 3, 4, 5, 6, 7], 4, 5, step)));
      disposeAll([batch as unknown as Record<string, tf.Tensor>]);
    });
  });

  it('rejects bad arguments naming the function and the argument', () => {
    const data = toyDataset(4);
    expect(() => labeledBatches(data, [0, 4], 2, { seed: 1 })).toThrow(/labeledBatches: indices\[1\] = 4 is not a sample index in \[0, 4\)/);
    expect(() => labeledBatches(data, [], 2, { seed: 1 })).toThrow(TearArgumentError);
    expect(() => labeledBatches(data, [0], 0, { seed: 1 })).toThrow(/labeledBatches: option 'batchSize' must be >= 1/);
    expect(() => labeledBatches(data, [0], 2, { seed: 1, startStep: -1 })).toThrow(/startStep/);
    expect(() => labeledBatches({ ...data, labels: new Int32Array(3) }, [0], 2, { seed: 1 })).toThrow(/dataset\.images has 16 values/);
  });
});

describe('unlabeledBatches', () => {
  it('yields sample ids matching the images, hidden labels only on request, same order as labeledBatches', async () => {
    await expectNoLeak(async () => {
      const data = toyDataset(30);
      const indices = Array.from({ length: 20 }, (_, i) => i + 10);
      const plain = await takeBatches(unlabeledBatches(data, indices, 7, { seed: 9, startStep: 2 }), 3);
      const withLabels = await takeBatches(unlabeledBatches(data, indices, 7, { seed: 9, startStep: 2, withHiddenLabels: true }), 3);
      const labeled = await takeBatches(labeledBatches(data, indices, 7, { seed: 9, startStep: 2 }), 3);
      for (let k = 0; k < 3; k++) {
        const ids = Array.from(plain[k].indices.dataSync());
        expect(plain[k].indices.dtype).toBe('int32');
        expect(plain[k].labels).toBeUndefined();
        expect(sampleIdsOf(plain[k].images)).toEqual(ids);
        expect(ids).toEqual(Array.from(batchIndicesAt(indices, 7, 9, k + 2)));
        expect(Array.from(withLabels[k].labels!.dataSync())).toEqual(ids.map((i) => i % 3));
        expect(sampleIdsOf(labeled[k].images)).toEqual(ids);
      }
      disposeAll([...plain, ...withLabels, ...labeled] as unknown as Array<Record<string, tf.Tensor>>);
    });
  });

  it('creates no tensors for batches that are prefetched but never consumed', async () => {
    await expectNoLeak(async () => {
      const stream = unlabeledBatches(toyDataset(12), Array.from({ length: 12 }, (_, i) => i), 4, { seed: 3, prefetch: 5 });
      const [first] = await takeBatches(stream, 1);
      expect(tf.memory().numTensors).toBeGreaterThan(0);
      disposeAll([first as unknown as Record<string, tf.Tensor>]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
  });
});

describe('evaluationBatches', () => {
  it('covers the indices once, in order, with a smaller last batch', async () => {
    await expectNoLeak(() => {
      const data = toyDataset(11);
      const all: number[] = [];
      const sizes: number[] = [];
      for (const batch of evaluationBatches(data, undefined, 4)) {
        const ids = sampleIdsOf(batch.images);
        expect(Array.from(batch.labels.dataSync())).toEqual(ids.map((i) => i % 3));
        all.push(...ids);
        sizes.push(ids.length);
        batch.images.dispose();
        batch.labels.dispose();
      }
      expect(all).toEqual(Array.from({ length: 11 }, (_, i) => i));
      expect(sizes).toEqual([4, 4, 3]);
      const picked: number[] = [];
      for (const batch of evaluationBatches(data, [9, 1, 5], 2)) {
        picked.push(...sampleIdsOf(batch.images));
        tf.dispose([batch.images, batch.labels]);
      }
      expect(picked).toEqual([9, 1, 5]);
      expect([...evaluationBatches(data, [], 2)]).toEqual([]);
    });
  });
});
