import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../state/random';
import { check, checkNumber } from '../util/checks';
import { seededPermutation } from './permutation';
import type { ImageDataset, LabeledBatch, UnlabeledBatch } from './types';

/** Options of labeledBatches: the seed of the epoch order, the batch to start at, and how many batches to prefetch. */
export interface BatchStreamOptions {
  /** Base seed: epoch e is ordered by a permutation seeded with deriveSeed(seed, e). */
  seed: number;
  /** First batch to yield: the stream starts at its batch `startStep` (O(1), earlier batches are not built). */
  startStep?: number;
  /** How many batches to assemble (as Float32Arrays) ahead of the consumer; 0 builds on demand. */
  prefetch?: number;
}

/** Options of unlabeledBatches: BatchStreamOptions plus the hidden labels for diagnostics. */
export interface UnlabeledBatchStreamOptions extends BatchStreamOptions {
  /** Also yield the true labels (for diagnostics only; SSL must not train on them). */
  withHiddenLabels?: boolean;
}

/**
 * The stream order. The endless sample stream is the concatenation of per-epoch permutations of
 * `indices`: S = π_0(indices) ++ π_1(indices) ++ …, π_e seeded with deriveSeed(seed, e).
 * Batch k is S[k·B, (k+1)·B): a pure function of (indices, B, seed, k). Every sample appears once per
 * epoch; a batch that straddles an epoch boundary takes the tail of epoch e and the head of e+1 (no
 * sample is dropped, and B may exceed the number of indices).
 */
class EpochOrder {
  private readonly cache = new Map<number, Int32Array>();

  constructor(private readonly indices: Int32Array, private readonly seed: number) {}

  epoch(e: number): Int32Array {
    let perm = this.cache.get(e);
    if (perm === undefined) {
      perm = seededPermutation(this.indices, deriveSeed(this.seed, e));
      if (this.cache.size >= 3) this.cache.delete(this.cache.keys().next().value as number);
      this.cache.set(e, perm);
    }
    return perm;
  }

  batch(step: number, batchSize: number): Int32Array {
    const n = this.indices.length;
    const out = new Int32Array(batchSize);
    let position = step * batchSize;
    for (let b = 0; b < batchSize; b++, position++) {
      out[b] = this.epoch(Math.floor(position / n))[position % n];
    }
    return out;
  }
}

/** The sample indices of batch `step` of the stream that labeledBatches/unlabeledBatches yield (see EpochOrder). */
export function batchIndicesAt(indices: ArrayLike<number>, batchSize: number, seed: number, step: number): Int32Array {
  const fn = 'batchIndicesAt';
  checkNumber(batchSize, 'batchSize', fn, { min: 1, integer: true });
  checkNumber(seed, 'seed', fn, { integer: true });
  checkNumber(step, 'step', fn, { min: 0, integer: true });
  check(indices.length > 0, fn, () => 'argument \'indices\' must not be empty');
  return new EpochOrder(Int32Array.from(indices), seed).batch(step, batchSize);
}

interface HostBatch {
  images: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
}

/** Copies the images and labels of `picked` into fresh host arrays. */
function gatherHostBatch(dataset: ImageDataset, picked: Int32Array): HostBatch {
  const [h, w, c] = dataset.shape;
  const size = h * w * c;
  const images = new Float32Array(picked.length * size);
  const labels = new Int32Array(picked.length);
  for (let b = 0; b < picked.length; b++) {
    const i = picked[b];
    images.set(dataset.images.subarray(i * size, (i + 1) * size), b * size);
    labels[b] = dataset.labels[i];
  }
  return { images, labels, indices: picked };
}

function checkDataset(dataset: ImageDataset, fn: string): number {
  check(dataset !== null && typeof dataset === 'object' && dataset.images instanceof Float32Array
    && dataset.labels instanceof Int32Array && Array.isArray(dataset.shape) && dataset.shape.length === 3, fn,
  () => 'argument \'dataset\' must be an ImageDataset { images: Float32Array, labels: Int32Array, shape: [H,W,C] }');
  const [h, w, c] = dataset.shape;
  const n = dataset.labels.length;
  check(dataset.images.length === n * h * w * c, fn, () =>
    `dataset.images has ${dataset.images.length} values, expected labels.length·H·W·C = ${n}·${h}·${w}·${c} = ${n * h * w * c}`);
  return n;
}

function checkIndices(indices: ArrayLike<number>, numSamples: number, fn: string, allowEmpty = false): Int32Array {
  check(indices !== null && typeof indices === 'object' && typeof indices.length === 'number', fn,
    () => 'argument \'indices\' must be an array of sample indices');
  check(allowEmpty || indices.length > 0, fn, () => 'argument \'indices\' must not be empty');
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    check(Number.isInteger(v) && v >= 0 && v < numSamples, fn,
      () => `indices[${i}] = ${v} is not a sample index in [0, ${numSamples})`);
  }
  return Int32Array.from(indices);
}

const defer: (task: () => void) => void =
  typeof setImmediate === 'function' ? (task) => { setImmediate(task); } : (task) => { setTimeout(task, 0); };

/** Endless host-side batches from `startStep` on, assembled `prefetch` batches ahead of the consumer. */
async function* hostBatches(dataset: ImageDataset, order: EpochOrder, batchSize: number, startStep: number, prefetch: number): AsyncGenerator<HostBatch> {
  const build = (step: number) => gatherHostBatch(dataset, order.batch(step, batchSize));
  if (prefetch === 0) {
    for (let step = startStep; ; step++) yield build(step);
  }
  const queue: Promise<HostBatch>[] = [];
  let nextStep = startStep;
  for (;;) {
    while (queue.length < prefetch + 1) {
      const step = nextStep++;
      const pending = new Promise<HostBatch>((resolve, reject) => defer(() => {
        try {
          resolve(build(step));
        } catch (e) {
          reject(e);
        }
      }));
      pending.catch(() => undefined); // a batch built ahead but never consumed must not raise an unhandled rejection
      queue.push(pending);
    }
    yield await (queue.shift() as Promise<HostBatch>);
  }
}

interface StreamSetup {
  order: EpochOrder;
  batchSize: number;
  startStep: number;
  prefetch: number;
}

function setUpStream(fn: string, dataset: ImageDataset, indices: ArrayLike<number>, batchSize: number, options: BatchStreamOptions): StreamSetup {
  const n = checkDataset(dataset, fn);
  const picked = checkIndices(indices, n, fn);
  checkNumber(batchSize, 'batchSize', fn, { min: 1, integer: true });
  check(options !== null && typeof options === 'object', fn, () => 'argument \'options\' must be an object with a seed');
  const { seed, startStep = 0, prefetch = 2 } = options;
  checkNumber(seed, 'seed', fn, { integer: true });
  checkNumber(startStep, 'startStep', fn, { min: 0, integer: true });
  checkNumber(prefetch, 'prefetch', fn, { min: 0, integer: true });
  return { order: new EpochOrder(picked, seed), batchSize, startStep, prefetch };
}

/**
 * Endless labeled batches over `indices`: images [B,H,W,C] float32 and labels [B] int32.
 * Batch k is a pure function of (seed, k) — see batchIndicesAt — so a trainer resumes exactly by
 * passing `startStep: k`. Tensors are created only when a batch is yielded; the consumer disposes them.
 */
export function labeledBatches(dataset: ImageDataset, indices: ArrayLike<number>, batchSize: number, options: BatchStreamOptions): AsyncIterable<LabeledBatch> {
  const { order, startStep, prefetch } = setUpStream('labeledBatches', dataset, indices, batchSize, options);
  const [h, w, c] = dataset.shape;
  return {
    async* [Symbol.asyncIterator]() {
      for await (const host of hostBatches(dataset, order, batchSize, startStep, prefetch)) {
        yield { images: tf.tensor4d(host.images, [batchSize, h, w, c], 'float32'), labels: tf.tensor1d(host.labels, 'int32') };
      }
    },
  };
}

/**
 * Endless unlabeled batches over `indices`: images [B,H,W,C] float32 and the sample ids `indices` [B]
 * int32 (positions in `dataset`); `labels` [B] int32 only with `withHiddenLabels`. Same stream order and
 * resume rule as labeledBatches. The consumer disposes every tensor.
 */
export function unlabeledBatches(dataset: ImageDataset, indices: ArrayLike<number>, batchSize: number, options: UnlabeledBatchStreamOptions): AsyncIterable<UnlabeledBatch> {
  const { order, startStep, prefetch } = setUpStream('unlabeledBatches', dataset, indices, batchSize, options);
  const withHiddenLabels = options.withHiddenLabels === true;
  const [h, w, c] = dataset.shape;
  return {
    async* [Symbol.asyncIterator]() {
      for await (const host of hostBatches(dataset, order, batchSize, startStep, prefetch)) {
        const batch: UnlabeledBatch = {
          images: tf.tensor4d(host.images, [batchSize, h, w, c], 'float32'),
          indices: tf.tensor1d(host.indices, 'int32'),
        };
        if (withHiddenLabels) batch.labels = tf.tensor1d(host.labels, 'int32');
        yield batch;
      }
    },
  };
}

/**
 * Finite batches over `indices` (default: every sample) in the given order, for evaluation: every
 * batch has `batchSize` samples except possibly the last. Tensors are created as each batch is reached;
 * the consumer disposes them. Works with `for … of` and `for await … of`.
 */
export function evaluationBatches(dataset: ImageDataset, indices: ArrayLike<number> | undefined, batchSize: number): Iterable<LabeledBatch> {
  const fn = 'evaluationBatches';
  const n = checkDataset(dataset, fn);
  const order = indices === undefined ? Int32Array.from({ length: n }, (_, i) => i) : checkIndices(indices, n, fn, true);
  checkNumber(batchSize, 'batchSize', fn, { min: 1, integer: true });
  const [h, w, c] = dataset.shape;
  return {
    * [Symbol.iterator]() {
      for (let start = 0; start < order.length; start += batchSize) {
        const host = gatherHostBatch(dataset, order.subarray(start, Math.min(start + batchSize, order.length)));
        yield { images: tf.tensor4d(host.images, [host.labels.length, h, w, c], 'float32'), labels: tf.tensor1d(host.labels, 'int32') };
      }
    },
  };
}
