import * as tf from '@tensorflow/tfjs';
import { check, checkNumber, checkTensor, shapeString } from '../util/checks';
import { deserializeTensor, serializeTensor, type SerializedTensor } from './serialize';

/** Denominator floor when dividing by the queue mean (a class with zero running mass). */
const MEAN_FLOOR = 1e-8;

/**
 * Distribution alignment state: FIFO of the last `capacity` batch means of the weak-view
 * probabilities, `queue` [n, C] with n ≤ capacity, oldest row first.
 */
export interface DistributionAlignmentState {
  queue: tf.Tensor2D;
  capacity: number;
  numClasses: number;
}

/** JSON-safe form of a DistributionAlignmentState (distributionAlignmentToJSON / FromJSON). */
export interface DistributionAlignmentJSON {
  numClasses: number;
  capacity: number;
  queue: SerializedTensor;
}

/** Empty queue for `numClasses` classes; capacity defaults to 32 (the release's queue length). */
export function distributionAlignmentInit(numClasses: number, opts: { capacity?: number } = {}): DistributionAlignmentState {
  const fn = 'distributionAlignmentInit';
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
  const capacity = opts.capacity ?? 32;
  checkNumber(capacity, 'capacity', fn, { min: 1, integer: true });
  return { queue: tf.zeros([0, numClasses]), capacity, numClasses };
}

/**
 * Pushes mean_b q_b (probs [U,C]) into the queue, dropping the oldest row beyond capacity.
 * Returns a new state with its own tensors; the input state is neither changed nor disposed.
 * An empty batch (U = 0) pushes nothing.
 */
export function distributionAlignmentUpdate(state: DistributionAlignmentState, probs: tf.Tensor2D): DistributionAlignmentState {
  const fn = 'distributionAlignmentUpdate';
  checkState(state, fn);
  checkProbs(state, probs, fn);
  const queue = tf.tidy(() => {
    if (probs.shape[0] === 0) return state.queue.clone();
    const pushed = tf.concat([state.queue, tf.mean(probs, 0, true)], 0);
    const n = pushed.shape[0];
    return n > state.capacity ? tf.slice(pushed, [n - state.capacity, 0], [state.capacity, -1]) : pushed;
  }) as tf.Tensor2D;
  return { queue, capacity: state.capacity, numClasses: state.numClasses };
}

/**
 * Aligned probabilities q̂_b = normalise(q_b · π / mean(queue)) [U,C]; rows sum to 1. π is `options.target`
 * [C] (ReMixMatch: the labeled set's class marginal), or uniform when absent (the TEAR release: a constant
 * π cancels in the normalisation, so q̂ = normalise(q / mean(queue))). Identity (a copy) while the queue is
 * empty. The trainer pushes first, then aligns with the updated queue.
 */
export function alignDistribution(state: DistributionAlignmentState, probs: tf.Tensor2D, options: { target?: tf.Tensor1D } = {}): tf.Tensor2D {
  const fn = 'alignDistribution';
  checkState(state, fn);
  checkProbs(state, probs, fn);
  const target = options.target;
  if (target !== undefined) {
    checkTensor(target, 'target', fn, { rank: 1, dtype: 'float32' });
    check(target.shape[0] === state.numClasses, fn, () => `'target' ${shapeString(target.shape)} must have ${state.numClasses} entries`);
  }
  return tf.tidy(() => {
    if (state.queue.shape[0] === 0) return probs.clone();
    const running = tf.maximum(tf.mean(state.queue, 0, true), MEAN_FLOOR);
    const scaled = target === undefined ? tf.div(probs, running) : tf.mul(probs, tf.div(target.reshape([1, -1]), running));
    return tf.div(scaled, tf.sum(scaled, 1, true)) as tf.Tensor2D;
  });
}

/** JSON-safe copy of the state (reads the queue asynchronously). */
export async function distributionAlignmentToJSON(state: DistributionAlignmentState): Promise<DistributionAlignmentJSON> {
  checkState(state, 'distributionAlignmentToJSON');
  return { numClasses: state.numClasses, capacity: state.capacity, queue: await serializeTensor(state.queue) };
}

/** Rebuilds a state from `distributionAlignmentToJSON`'s output; errors name the field at fault. */
export function distributionAlignmentFromJSON(json: DistributionAlignmentJSON): DistributionAlignmentState {
  const fn = 'distributionAlignmentFromJSON';
  check(json !== null && typeof json === 'object', fn, () => `expected an object, got ${String(json)}`);
  checkNumber(json.numClasses, 'numClasses', fn, { min: 1, integer: true });
  checkNumber(json.capacity, 'capacity', fn, { min: 1, integer: true });
  let queue: tf.Tensor;
  try {
    queue = deserializeTensor(json.queue, 'queue');
  } catch (error) {
    check(false, fn, () => (error as Error).message);
  }
  const ok = queue.rank === 2 && queue.shape[1] === json.numClasses && queue.shape[0] <= json.capacity && queue.dtype === 'float32';
  if (!ok) {
    const shape = shapeString(queue.shape);
    queue.dispose();
    check(false, fn, () => `field 'queue' must be float32 [n ≤ ${json.capacity}, ${json.numClasses}], got ${shape}`);
  }
  return { queue: queue as tf.Tensor2D, capacity: json.capacity, numClasses: json.numClasses };
}

function checkState(state: DistributionAlignmentState, fn: string): void {
  check(state !== null && typeof state === 'object', fn, () => `argument 'state' must be a distribution alignment state`);
  checkTensor(state.queue, 'state.queue', fn, { rank: 2, dtype: 'float32' });
}

function checkProbs(state: DistributionAlignmentState, probs: tf.Tensor2D, fn: string): void {
  checkTensor(probs, 'probs', fn, { rank: 2, dtype: 'float32' });
  check(probs.shape[1] === state.numClasses, fn,
    () => `'probs' ${shapeString(probs.shape)} must have ${state.numClasses} columns, like 'state.queue' ${shapeString(state.queue.shape)}`);
}
