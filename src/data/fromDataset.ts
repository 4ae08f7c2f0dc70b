import * as tf from '@tensorflow/tfjs';
import { check, checkNumber } from '../util/checks';
import type { LabeledBatch, UnlabeledBatch } from './types';

/** One batch as tf.data and tfjs-layers' `fitDataset` have it: images `xs` [B,H,W,C], labels `ys` [B] (class ids) or [B,C] (one-hot). */
// A type alias, not an interface: tf.data.Dataset<T> needs T to fit tf.TensorContainer's index signature.
export type XsYs = {
  xs: tf.Tensor;
  ys?: tf.Tensor;
  /** Stable sample ids [B] int32 (only needed by the trainer's `reference: 'memory'`). */
  indices?: tf.Tensor;
};

/**
 * Where batches come from: a `tf.data.Dataset` of `{xs, ys}` batches (call `.batch(B)` first), an
 * async or sync iterable of them, or a function returning one (called again for each pass).
 */
export type XsYsSource = tf.data.Dataset<XsYs> | AsyncIterable<XsYs> | Iterable<XsYs> | (() => tf.data.Dataset<XsYs> | AsyncIterable<XsYs> | Iterable<XsYs>);

/** Options of labeledBatchesFrom and unlabeledBatchesFrom. */
export interface FromDatasetOptions {
  /** Number of classes C: class ids must lie in [0, C), one-hot rows must have C columns. */
  numClasses: number;
  /**
   * Start again at the first batch when the source ends (default true: the trainer's labeled and
   * unlabeled sources must be endless). A one-shot iterable (a generator object) cannot be repeated:
   * pass a tf.data.Dataset or a function returning a fresh iterable.
   */
  repeat?: boolean;
}

/** A batch source as the trainer takes it: call with the step to start at (the first `startStep` batches are skipped). */
export type BatchFactory<T> = (startStep?: number) => AsyncIterable<T>;

function isDataset(source: unknown): source is tf.data.Dataset<XsYs> {
  return source instanceof tf.data.Dataset
    || (source !== null && typeof source === 'object' && typeof (source as { iterator?: unknown }).iterator === 'function'
      && typeof (source as { batch?: unknown }).batch === 'function');
}

/** One pass over the source, as an async iterator of raw elements. */
async function* onePass(source: XsYsSource, fn: string): AsyncGenerator<XsYs> {
  const resolved = typeof source === 'function' ? source() : source;
  if (isDataset(resolved)) {
    const iterator = await resolved.iterator();
    for (;;) {
      const r = await iterator.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const iterable = resolved as AsyncIterable<XsYs> | Iterable<XsYs>;
  check(iterable !== null && typeof iterable === 'object'
    && (typeof (iterable as AsyncIterable<XsYs>)[Symbol.asyncIterator] === 'function' || typeof (iterable as Iterable<XsYs>)[Symbol.iterator] === 'function'), fn,
  () => 'argument \'source\' must be a tf.data.Dataset, an (async) iterable of {xs, ys} batches, or a function returning one');
  yield* iterable as AsyncIterable<XsYs>;
}

/**
 * Endless (repeat) or single-pass elements from element `startStep` on; skipped elements are disposed.
 * `offset` counts the samples before the element in its pass (for positional sample ids).
 */
async function* elements(source: XsYsSource, fn: string, repeat: boolean, startStep: number): AsyncGenerator<{ value: XsYs; position: number; offset: number }> {
  let position = 0;
  for (let pass = 0; ; pass++) {
    let inPass = 0;
    let offset = 0;
    for await (const value of onePass(source, fn)) {
      inPass++;
      const size = (value as Partial<XsYs> | null)?.xs?.shape?.[0] ?? 0;
      if (position < startStep) {
        tf.dispose(value as unknown as tf.TensorContainer);
      } else {
        yield { value, position, offset };
      }
      position++;
      offset += size;
    }
    check(inPass > 0, fn, () => (pass === 0
      ? 'the source yielded no batch'
      : 'the source yielded nothing on its second pass: a one-shot iterable cannot repeat; pass a tf.data.Dataset or a function returning a fresh iterable (or repeat: false)'));
    if (!repeat) return;
  }
}

/** Images [B,H,W,C] float32 from `xs` (cast when needed); the input is disposed when a new tensor is made. */
function imagesOf(xs: unknown, fn: string, position: number): tf.Tensor4D {
  check(xs instanceof tf.Tensor, fn, () => `batch ${position}: field 'xs' must be a tf.Tensor [B,H,W,C], got ${typeof xs}`);
  check(xs.rank === 4, fn, () => `batch ${position}: 'xs' has shape [${xs.shape.join(',')}], expected [B,H,W,C]` +
    (xs.rank === 3 ? ' (a single image: batch the dataset with dataset.batch(B))' : ''));
  if (xs.dtype === 'float32') return xs as tf.Tensor4D;
  const cast = tf.cast(xs, 'float32') as tf.Tensor4D;
  xs.dispose();
  return cast;
}

/** Class ids [B] int32 from `ys` ([B] ids or [B,C] one-hot/probabilities, argmax), checked against [0, C); `ys` is disposed. */
function labelsOf(ys: unknown, batchSize: number, numClasses: number, fn: string, position: number, field = 'ys'): tf.Tensor1D {
  check(ys instanceof tf.Tensor, fn, () => `batch ${position}: field '${field}' must be a tf.Tensor ([B] class ids or [B,C] one-hot)`);
  const shape = `[${ys.shape.join(',')}]`;
  check(ys.shape[0] === batchSize && (ys.rank === 1 || ys.rank === 2), fn, () =>
    `batch ${position}: '${field}' has shape ${shape}, expected [${batchSize}] class ids or [${batchSize},${numClasses}] one-hot (xs has ${batchSize} images)`);
  if (ys.rank === 2) {
    check(ys.shape[1] === numClasses, fn, () => `batch ${position}: '${field}' has shape ${shape}: ${ys.shape[1]} columns, but numClasses is ${numClasses}`);
    const ids = tf.tidy(() => tf.argMax(ys, 1).toInt()) as tf.Tensor1D;
    ys.dispose();
    return ids;
  }
  const values = ys.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v < numClasses)) {
      ys.dispose();
      check(false, fn, () => `batch ${position}: ${field}[${i}] = ${v} is not a class id in [0, ${numClasses})`);
    }
  }
  if (ys.dtype === 'int32') return ys as tf.Tensor1D;
  const ids = tf.cast(ys, 'int32') as tf.Tensor1D;
  ys.dispose();
  return ids;
}

function checkOptions(options: FromDatasetOptions, fn: string): { numClasses: number; repeat: boolean } {
  check(options !== null && typeof options === 'object', fn, () => 'argument \'options\' must be an object with numClasses');
  checkNumber(options.numClasses, 'numClasses', fn, { min: 1, integer: true });
  return { numClasses: options.numClasses, repeat: options.repeat ?? true };
}

/**
 * Labeled batches for the trainer (or `evaluateModels`) from a tf.data.Dataset or iterable of
 * `{xs, ys}` batches: images [B,H,W,C] float32, labels [B] int32 (one-hot `ys` become their argmax).
 * Returns a factory: `labeled: labeledBatchesFrom(ds, { numClasses: 10 })` as a trainer source
 * (endless by default; on resume the trainer calls it with the saved step and the first batches are
 * skipped), or `validation: labeledBatchesFrom(ds, { numClasses: 10, repeat: false })`.
 * The consumer disposes the yielded tensors (the trainer does).
 *
 * @param source - a tf.data.Dataset, an (async) iterable, or a function returning one, of `{xs, ys}` batches.
 * @param options - numClasses (checked against every label) and repeat.
 * @returns (startStep = 0) => AsyncIterable of LabeledBatch.
 * @throws TearArgumentError naming the batch and field: unbatched `xs`, labels out of range, batch sizes that differ.
 */
export function labeledBatchesFrom(source: XsYsSource, options: FromDatasetOptions): BatchFactory<LabeledBatch> {
  const fn = 'labeledBatchesFrom';
  const { numClasses, repeat } = checkOptions(options, fn);
  return (startStep = 0) => ({
    async* [Symbol.asyncIterator]() {
      for await (const { value, position } of elements(source, fn, repeat, startStep)) {
        check(value !== null && typeof value === 'object', fn, () => `batch ${position} must be an object {xs, ys}`);
        const images = imagesOf(value.xs, fn, position);
        let labels: tf.Tensor1D;
        try {
          check(value.ys !== undefined, fn, () => `batch ${position} has no 'ys' (labels)`);
          labels = labelsOf(value.ys, images.shape[0], numClasses, fn, position);
        } catch (e) {
          tf.dispose([images, value.indices as tf.Tensor]);
          throw e;
        }
        tf.dispose(value.indices as tf.Tensor);
        yield { images, labels };
      }
    },
  });
}

/** An `{xs}` element as an UnlabeledBatch: its own `indices`, or positions `offset…offset+B−1`; `ys` → hidden labels. */
function toUnlabeledBatch(value: XsYs, numClasses: number, fn: string, position: number, offset: number): UnlabeledBatch {
  check(value !== null && typeof value === 'object', fn, () => `batch ${position} must be an object {xs}`);
  const images = imagesOf(value.xs, fn, position);
  const b = images.shape[0];
  const batch: UnlabeledBatch = { images, indices: undefined as unknown as tf.Tensor1D };
  try {
    batch.indices = value.indices !== undefined
      ? labelsOf(value.indices, b, Number.MAX_SAFE_INTEGER, fn, position, 'indices')
      : tf.range(offset, offset + b, 1, 'int32') as tf.Tensor1D;
    if (value.ys !== undefined) batch.labels = labelsOf(value.ys, b, numClasses, fn, position);
  } catch (e) {
    tf.dispose([images, batch.indices as tf.Tensor]);
    throw e;
  }
  return batch;
}

/**
 * Unlabeled batches for the trainer from a tf.data.Dataset or iterable of `{xs}` batches (a `ys`, when
 * present, becomes the hidden labels used only for diagnostics). `indices` are the element's own
 * `indices` when it has them, otherwise positions counted within each pass (0, 1, …, stable only if
 * the source's order is: the trainer's `reference: 'memory'` keys its memory by them).
 *
 * @param source - a tf.data.Dataset, an (async) iterable, or a function returning one, of `{xs}` batches.
 * @param options - numClasses (checks hidden labels) and repeat (default true).
 * @returns (startStep = 0) => AsyncIterable of UnlabeledBatch.
 */
export function unlabeledBatchesFrom(source: XsYsSource, options: FromDatasetOptions): BatchFactory<UnlabeledBatch> {
  const fn = 'unlabeledBatchesFrom';
  const { numClasses, repeat } = checkOptions(options, fn);
  return (startStep = 0) => ({
    async* [Symbol.asyncIterator]() {
      for await (const { value, position, offset } of elements(source, fn, repeat, startStep)) {
        yield toUnlabeledBatch(value, numClasses, fn, position, offset);
      }
    },
  });
}


/** A labeled batch as the trainer has it, or as tf.data has it. */
export type AnyLabeled = LabeledBatch | XsYs;

/** Converts an `{xs, ys}` element to a LabeledBatch (checked); a LabeledBatch passes unchanged. */
function toLabeledBatch(value: AnyLabeled, numClasses: number, fn: string, position: number): LabeledBatch {
  check(value !== null && typeof value === 'object', fn, () => `batch ${position} must be an object {images, labels} or {xs, ys}`);
  if ('images' in value) return value;
  const images = imagesOf(value.xs, fn, position);
  try {
    check(value.ys !== undefined, fn, () => `batch ${position} has no 'ys' (labels)`);
    return { images, labels: labelsOf(value.ys, images.shape[0], numClasses, fn, position) };
  } catch (e) {
    images.dispose();
    throw e;
  }
}

/** Maps an (async) iterable's `{xs, ys}` elements to LabeledBatch, leaving LabeledBatch elements as they are. */
function mapLabeled(iterable: AsyncIterable<AnyLabeled> | Iterable<AnyLabeled>, numClasses: number, fn: string): AsyncIterable<LabeledBatch> {
  return {
    async* [Symbol.asyncIterator]() {
      let position = 0;
      for await (const value of iterable as AsyncIterable<AnyLabeled>) yield toLabeledBatch(value, numClasses, fn, position++);
    },
  };
}

const isIterable = (s: unknown): s is AsyncIterable<unknown> | Iterable<unknown> => s !== null && typeof s === 'object'
  && (typeof (s as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (s as Iterable<unknown>)[Symbol.iterator] === 'function');

/**
 * The trainer's labeled (or validation) source from whatever was given: a factory is kept as it is; a
 * tf.data.Dataset goes through labeledBatchesFrom (`repeat` for training data); an (async) iterable
 * has its `{xs, ys}` elements converted (LabeledBatch elements pass unchanged).
 *
 * @typeParam F - the type of a factory source, returned unchanged.
 * @param source - a factory, a tf.data.Dataset, or an (async) iterable of LabeledBatch or `{xs, ys}`.
 * @param numClasses - C, to check the labels of converted elements.
 * @param repeat - repeat a Dataset when it ends (training data) or not (validation).
 * @returns the source in a form the trainer iterates.
 */
export function asLabeledSource<F extends (...args: never[]) => unknown>(
  source: F | tf.data.Dataset<XsYs> | AsyncIterable<AnyLabeled> | Iterable<AnyLabeled>, numClasses: number, repeat: boolean,
): F | BatchFactory<LabeledBatch> | AsyncIterable<LabeledBatch> {
  if (typeof source === 'function') return source;
  if (isDataset(source)) return labeledBatchesFrom(source, { numClasses, repeat });
  check(isIterable(source), 'SemiSupervisedTrainer', () => 'a labeled or validation source must be a tf.data.Dataset, an (async) iterable of batches, or a factory');
  return mapLabeled(source, numClasses, 'SemiSupervisedTrainer');
}

/**
 * The trainer's unlabeled source from whatever was given: a factory is kept; a tf.data.Dataset goes
 * through unlabeledBatchesFrom (repeating); an async iterable has its `{xs}` elements converted (sample
 * ids: the element's `indices`, else positions in the stream), UnlabeledBatch elements pass unchanged.
 *
 * @typeParam F - the type of a factory source, returned unchanged.
 * @param source - a factory, a tf.data.Dataset of `{xs}` batches, or an async iterable of UnlabeledBatch or `{xs}`.
 * @param numClasses - C, to check hidden labels.
 * @returns the source in a form the trainer iterates.
 */
export function asUnlabeledSource<F extends (...args: never[]) => unknown>(
  source: F | tf.data.Dataset<XsYs> | AsyncIterable<UnlabeledBatch | XsYs>, numClasses: number,
): F | BatchFactory<UnlabeledBatch> | AsyncIterable<UnlabeledBatch> {
  if (typeof source === 'function') return source;
  if (isDataset(source)) return unlabeledBatchesFrom(source, { numClasses, repeat: true });
  check(isIterable(source), 'SemiSupervisedTrainer', () => 'the unlabeled source must be a tf.data.Dataset, an async iterable of batches, or a factory');
  const fn = 'SemiSupervisedTrainer';
  return {
    async* [Symbol.asyncIterator]() {
      let position = 0;
      let offset = 0;
      for await (const value of source as AsyncIterable<UnlabeledBatch | XsYs>) {
        if ('images' in value) {
          yield value;
        } else {
          const batch = toUnlabeledBatch(value, numClasses, fn, position, offset);
          offset += batch.images.shape[0];
          yield batch;
        }
        position++;
      }
    },
  };
}
