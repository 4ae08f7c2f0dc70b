import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { labeledBatchesFrom, unlabeledBatchesFrom, type XsYs } from '../../src/data/fromDataset';
import type { LabeledBatch, UnlabeledBatch } from '../../src/data/types';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { DATA, NUM_CLASSES, SIDE, trainerOptions } from '../training/fixtures';

/** Five 1×1×1 images with values 0..4 and labels [0,1,2,0,1], as a tf.data pipeline of one-hot batches of 2. */
function tinyDataset(oneHot = true): tf.data.Dataset<XsYs> {
  const labels = [0, 1, 2, 0, 1];
  return tf.data.array(labels.map((y, i) => ({
    xs: tf.tensor3d([i], [1, 1, 1]),
    ys: oneHot ? tf.oneHot(y, 3) : tf.scalar(y, 'int32'),
  }))).batch(2) as unknown as tf.data.Dataset<XsYs>;
}

async function take<T>(iterable: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  const it = iterable[Symbol.asyncIterator]();
  for (let i = 0; i < n; i++) out.push((await it.next()).value as T);
  await it.return?.();
  return out;
}

const summary = (batches: LabeledBatch[]) => batches.map((b) => ({ x: Array.from(b.images.dataSync()), y: Array.from(b.labels.dataSync()), dtype: b.labels.dtype }));

describe('labeledBatchesFrom', () => {
  it('turns a tf.data.Dataset of {xs, ys one-hot} batches into endless labeled batches (argmax labels), repeating and resuming at a step', async () => {
    const dataset = tinyDataset();
    const before = tf.memory().numTensors;
    const source = labeledBatchesFrom(dataset, { numClasses: 3 });
    const batches = await take(source(), 4);
    expect(summary(batches)).toEqual([
      { x: [0, 1], y: [0, 1], dtype: 'int32' }, { x: [2, 3], y: [2, 0], dtype: 'int32' }, { x: [4], y: [1], dtype: 'int32' },
      { x: [0, 1], y: [0, 1], dtype: 'int32' }, // second pass
    ]);
    expect(batches[0].images.shape).toEqual([2, 1, 1, 1]);
    const resumed = await take(source(2), 2); // the trainer resumes at step 2: batches 2 and 3 of the stream
    expect(summary(resumed)).toEqual([summary(batches)[2], summary(batches)[3]]);
    tf.dispose([...batches, ...resumed].flatMap((b) => [b.images, b.labels]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes class-id ys, async generators and plain arrays; repeat: false gives one pass (a validation source)', async () => {
    const ids = labeledBatchesFrom(tinyDataset(false), { numClasses: 3, repeat: false });
    const all: LabeledBatch[] = [];
    for await (const b of ids()) all.push(b);
    expect(summary(all).map((b) => b.y)).toEqual([[0, 1], [2, 0], [1]]);
    tf.dispose(all.flatMap((b) => [b.images, b.labels]));

    async function* generate() {
      yield { xs: tf.ones([2, 2, 2, 1]), ys: tf.tensor1d([1, 0], 'float32') };
    }
    const fromFactory = await take(labeledBatchesFrom(() => generate(), { numClasses: 2 })(), 2);
    expect(summary(fromFactory).map((b) => b.y)).toEqual([[1, 0], [1, 0]]);
    tf.dispose(fromFactory.flatMap((b) => [b.images, b.labels]));
  });

  it('errors name the batch and the field: a one-shot generator asked to repeat, labels out of range, unbatched xs', async () => {
    async function* once() {
      yield { xs: tf.zeros([1, 2, 2, 1]), ys: tf.tensor1d([0], 'int32') };
    }
    const oneShot = labeledBatchesFrom(once(), { numClasses: 2 })();
    await expect(take(oneShot, 2).then((b) => tf.dispose(b.flatMap((x) => [x.images, x.labels]))))
      .rejects.toThrow(/labeledBatchesFrom: the source yielded nothing on its second pass: a one-shot iterable cannot repeat/);
    const outOfRange = labeledBatchesFrom([{ xs: tf.zeros([2, 2, 2, 1]), ys: tf.tensor1d([1, 3], 'int32') }], { numClasses: 3 })();
    await expect(take(outOfRange, 1)).rejects.toThrow(/labeledBatchesFrom: batch 0: ys\[1\] = 3 is not a class id in \[0, 3\)/);
    const unbatched = labeledBatchesFrom([{ xs: tf.zeros([2, 2, 1]), ys: tf.tensor1d([1], 'int32') }], { numClasses: 3 })();
    await expect(take(unbatched, 1)).rejects.toThrow(/batch 0: 'xs' has shape \[2,2,1\], expected \[B,H,W,C\] \(a single image: batch the dataset with dataset.batch\(B\)\)/);
    const wrongColumns = labeledBatchesFrom([{ xs: tf.zeros([1, 2, 2, 1]), ys: tf.tensor2d([[0, 1]]) }], { numClasses: 3 })();
    await expect(take(wrongColumns, 1)).rejects.toThrow(/'ys' has shape \[1,2\]: 2 columns, but numClasses is 3/);
  });
});

describe('unlabeledBatchesFrom', () => {
  it('numbers samples by position within each pass (or uses the element\'s indices) and keeps ys as hidden labels', async () => {
    const source = unlabeledBatchesFrom(tinyDataset(), { numClasses: 3 });
    const batches = await take(source(), 4);
    expect(batches.map((b) => Array.from(b.indices.dataSync()))).toEqual([[0, 1], [2, 3], [4], [0, 1]]);
    expect(batches.map((b) => Array.from((b.labels as tf.Tensor).dataSync()))).toEqual([[0, 1], [2, 0], [1], [0, 1]]);
    const resumed = await take(source(1), 1);
    expect(Array.from(resumed[0].indices.dataSync())).toEqual([2, 3]);
    const own = await take(unlabeledBatchesFrom([{ xs: tf.zeros([2, 1, 1, 1]), indices: tf.tensor1d([7, 9], 'int32') }], { numClasses: 3 })(), 1);
    expect(Array.from(own[0].indices.dataSync())).toEqual([7, 9]);
    expect(own[0].labels).toBeUndefined();
    const all: UnlabeledBatch[] = [...batches, ...resumed, ...own];
    tf.dispose(all.flatMap((b) => [b.images, b.indices, ...(b.labels ? [b.labels] : [])]));
  });
});

describe('SemiSupervisedTrainer on tf.data sources', () => {
  it('trains FixMatch steps and evaluates with labeled, unlabeled and validation data from tf.data.Dataset pipelines', async () => {
    const size = SIDE * SIDE;
    const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    const dataset = (indices: number[], batch: number) => tf.data.array(indices.map((i) => ({
      xs: tf.tensor3d(DATA.images.slice(i * size, (i + 1) * size), [SIDE, SIDE, 1]),
      ys: tf.oneHot(DATA.labels[i], NUM_CLASSES),
    }))).batch(batch) as unknown as tf.data.Dataset<XsYs>;
    const trainer = await SemiSupervisedTrainer.create(trainerOptions({
      labeled: labeledBatchesFrom(dataset(rows(0, 12), 4), { numClasses: NUM_CLASSES }),
      unlabeled: unlabeledBatchesFrom(dataset(rows(12, 60), 8), { numClasses: NUM_CLASSES }),
      validation: labeledBatchesFrom(dataset(rows(0, 12), 6), { numClasses: NUM_CLASSES, repeat: false }),
      config: { method: 'fixmatch', totalSteps: 4 },
    }));
    const logs = await trainer.run();
    expect(logs.length).toBe(4);
    expect(logs.every((l) => Number.isFinite(l.loss))).toBe(true);
    const metrics = await trainer.evaluate();
    expect(metrics.ema.numSamples).toBe(12);
    trainer.dispose();
  });
});
