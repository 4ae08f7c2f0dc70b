import * as tf from '@tensorflow/tfjs';
import { check, checkNumber, checkSameDim, checkTensor, checkValuesInRange, shapeString } from '../util/checks';
import { deserializeTensor, serializeTensor, type SerializedTensor } from './serialize';

/**
 * Per-sample memory of past predictions (temporal ensembling), keyed by the unlabeled sample index:
 * `probs` [N,C] running averages, `seen` [N] float32 0/1, `momentum` the weight of the old value.
 */
export interface TemporalMemoryState {
  probs: tf.Tensor2D;
  seen: tf.Tensor1D;
  momentum: number;
}

/** JSON-safe form of a TemporalMemoryState (temporalMemoryToJSON / FromJSON). */
export interface TemporalMemoryJSON {
  momentum: number;
  probs: SerializedTensor;
  seen: SerializedTensor;
}

/** Empty memory for `numSamples` samples and `numClasses` classes; momentum default 0.6 (temporal ensembling's α). */
export function temporalMemoryInit(numSamples: number, numClasses: number, opts: { momentum?: number } = {}): TemporalMemoryState {
  const fn = 'temporalMemoryInit';
  checkNumber(numSamples, 'numSamples', fn, { min: 1, integer: true });
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
  const momentum = opts.momentum ?? 0.6;
  checkNumber(momentum, 'momentum', fn, { min: 0, max: 1 });
  return { probs: tf.zeros([numSamples, numClasses]), seen: tf.zeros([numSamples]), momentum };
}

/**
 * Reads rows `indices` (int32 [U], each in [0, N)): `probs` [U,C] (zeros where never written, or the
 * matching `fallback` row when one is given) and `seen` [U] (1 where the sample has been written).
 * An index outside [0, N) is a TearArgumentError naming it (a read of two numbers: one sync).
 */
export function temporalMemoryRead(
  state: TemporalMemoryState, indices: tf.Tensor1D, opts: { fallback?: tf.Tensor2D } = {},
): { probs: tf.Tensor2D; seen: tf.Tensor1D } {
  const fn = 'temporalMemoryRead';
  checkState(state, fn);
  checkTensor(indices, 'indices', fn, { rank: 1, dtype: 'int32' });
  const { fallback } = opts;
  if (fallback !== undefined) {
    checkTensor(fallback, 'fallback', fn, { rank: 2, dtype: 'float32' });
    checkSameDim(fallback, 'fallback', indices, 'indices', fn, 0, 0);
    checkSameDim(fallback, 'fallback', state.probs, 'state.probs', fn, 1, 1);
  }
  checkValuesInRange(indices, 'indices', fn, { min: 0, max: state.probs.shape[0], maxOpen: true });
  return tf.tidy(() => {
    const seen = tf.gather(state.seen, indices) as tf.Tensor1D;
    let probs = tf.gather(state.probs, indices) as tf.Tensor2D;
    if (fallback !== undefined) probs = tf.where(tf.greaterEqual(tf.expandDims(seen, 1), 0.5), probs, fallback);
    return { probs, seen };
  });
}

/**
 * Writes probs [U,C] at rows `indices` (int32 [U], distinct, each in [0, N)): a first visit stores the
 * value, later visits store m·old + (1 − m)·new. Returns a new state with its own tensors; the input is
 * neither changed nor disposed. With repeated indices in one batch, one of the writes wins.
 */
export function temporalMemoryUpdate(state: TemporalMemoryState, indices: tf.Tensor1D, probs: tf.Tensor2D): TemporalMemoryState {
  const fn = 'temporalMemoryUpdate';
  checkState(state, fn);
  checkTensor(indices, 'indices', fn, { rank: 1, dtype: 'int32' });
  checkTensor(probs, 'probs', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(probs, 'probs', indices, 'indices', fn, 0, 0);
  checkSameDim(probs, 'probs', state.probs, 'state.probs', fn, 1, 1);
  checkValuesInRange(indices, 'indices', fn, { min: 0, max: state.probs.shape[0], maxOpen: true });
  const { momentum } = state;
  const next = tf.tidy(() => {
    if (indices.shape[0] === 0) return { probs: state.probs.clone(), seen: state.seen.clone() };
    const old = tf.gather(state.probs, indices);
    const wasSeen = tf.greaterEqual(tf.expandDims(tf.gather(state.seen, indices), 1), 0.5);
    const blended = tf.add(tf.mul(old, momentum), tf.mul(probs, 1 - momentum));
    const rows = tf.where(wasSeen, blended, probs);
    const at = tf.expandDims(indices, 1);
    // tfjs 4.22's cpu TensorScatterUpdate writes into its input buffer: scatter into fresh copies.
    return {
      probs: tf.tensorScatterUpdate(freshCopy(state.probs), at, rows) as tf.Tensor2D,
      seen: tf.tensorScatterUpdate(freshCopy(state.seen), at, tf.onesLike(indices).toFloat()) as tf.Tensor1D,
    };
  });
  return { probs: next.probs, seen: next.seen, momentum };
}

/** JSON-safe copy of the state (reads the tensors asynchronously). */
export async function temporalMemoryToJSON(state: TemporalMemoryState): Promise<TemporalMemoryJSON> {
  checkState(state, 'temporalMemoryToJSON');
  return { momentum: state.momentum, probs: await serializeTensor(state.probs), seen: await serializeTensor(state.seen) };
}

/** Rebuilds a state from `temporalMemoryToJSON`'s output; errors name the field at fault. */
export function temporalMemoryFromJSON(json: TemporalMemoryJSON): TemporalMemoryState {
  const fn = 'temporalMemoryFromJSON';
  check(json !== null && typeof json === 'object', fn, () => `expected an object, got ${String(json)}`);
  checkNumber(json.momentum, 'momentum', fn, { min: 0, max: 1 });
  const made: tf.Tensor[] = [];
  try {
    const probs = deserializeTensor(json.probs, 'probs');
    made.push(probs);
    const seen = deserializeTensor(json.seen, 'seen');
    made.push(seen);
    check(probs.rank === 2 && probs.dtype === 'float32', fn, () => `field 'probs' must be float32 [N,C], got ${probs.dtype} ${shapeString(probs.shape)}`);
    check(seen.rank === 1 && seen.dtype === 'float32' && seen.shape[0] === probs.shape[0], fn,
      () => `field 'seen' must be float32 [${probs.shape[0]}] to match 'probs' ${shapeString(probs.shape)}, got ${seen.dtype} ${shapeString(seen.shape)}`);
    return { probs: probs as tf.Tensor2D, seen: seen as tf.Tensor1D, momentum: json.momentum };
  } catch (error) {
    tf.dispose(made);
    if ((error as Error).name === 'TearArgumentError') throw error;
    return check(false, fn, () => (error as Error).message) as never;
  }
}

/** A copy with its own data buffer (`clone` shares the buffer on the cpu backend). */
function freshCopy<T extends tf.Tensor>(t: T): T {
  return tf.mul(t, tf.scalar(1, t.dtype)) as T;
}

function checkState(state: TemporalMemoryState, fn: string): void {
  check(state !== null && typeof state === 'object', fn, () => `argument 'state' must be a temporal memory state`);
  checkTensor(state.probs, 'state.probs', fn, { rank: 2, dtype: 'float32' });
  checkTensor(state.seen, 'state.seen', fn, { rank: 1, dtype: 'float32' });
}
