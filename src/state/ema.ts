import * as tf from '@tensorflow/tfjs';
import { check, checkNumber, checkTensor, shapeString } from '../util/checks';
import { deserializeTensor, serializeTensor, type SerializedTensor } from './serialize';

/** Exponential moving average of named weights; `step` counts the updates applied so far. */
export interface EmaState {
  weights: Record<string, tf.Tensor>;
  step: number;
}

/** JSON-safe form of an EmaState (emaToJSON / emaFromJSON). */
export interface EmaJSON {
  step: number;
  weights: Record<string, SerializedTensor>;
}

/** Options of emaUpdate: momentum, warm-up, and which weights are copied instead of averaged (batch-norm statistics). */
export interface EmaUpdateOptions {
  /** Momentum m in [0, 1], default 0.999 (the release). m = 0 makes the average the student itself. */
  momentum?: number;
  /** Warm-up schedule min(m, (1 + k)/(10 + k)) at update k; default false. */
  warmup?: boolean;
  /** Names whose student value is copied instead of averaged (batch-norm moving mean/variance). */
  copy?: (name: string) => boolean;
}

/** Momentum used at update `step` (0-based): warmup ? min(m, (1 + k)/(10 + k)) : m. */
export function emaMomentum(step: number, momentum: number, warmup: boolean): number {
  const fn = 'emaMomentum';
  checkNumber(step, 'step', fn, { min: 0, integer: true });
  checkNumber(momentum, 'momentum', fn, { min: 0, max: 1 });
  return warmup ? Math.min(momentum, (1 + step) / (10 + step)) : momentum;
}

/** Starts the average at a copy of `weights` (step 0). */
export function emaInit(weights: Record<string, tf.Tensor>): EmaState {
  const fn = 'emaInit';
  check(weights !== null && typeof weights === 'object', fn, () => `argument 'weights' must be a record of tensors`);
  const copies: Record<string, tf.Tensor> = {};
  for (const [name, w] of Object.entries(weights)) {
    checkTensor(w, `weights.${name}`, fn);
    copies[name] = w.clone();
  }
  return { weights: copies, step: 0 };
}

/**
 * θ̃ ← m·θ̃ + (1 − m)·θ for every name (m from `emaMomentum(state.step, …)`); names where `copy(name)`
 * is true, and non-float tensors, take the student value. m = 0 copies the student exactly.
 * Returns a new state with its own tensors; the input state is neither changed nor disposed.
 */
export function emaUpdate(state: EmaState, student: Record<string, tf.Tensor>, opts: EmaUpdateOptions = {}): EmaState {
  const fn = 'emaUpdate';
  check(state !== null && typeof state === 'object' && state.weights !== null && typeof state.weights === 'object', fn,
    () => `argument 'state' must be an EMA state`);
  check(student !== null && typeof student === 'object', fn, () => `argument 'student' must be a record of tensors`);
  const momentum = emaMomentum(state.step, opts.momentum ?? 0.999, opts.warmup ?? false);
  const copy = opts.copy ?? (() => false);
  const names = Object.keys(state.weights);
  for (const name of Object.keys(student)) {
    check(name in state.weights, fn, () => `'student.${name}' has no average in 'state.weights'`);
  }
  for (const name of names) {
    const average = state.weights[name];
    const current = student[name];
    check(current !== undefined, fn, () => `'student' is missing weight '${name}'`);
    checkTensor(current, `student.${name}`, fn, { dtype: average.dtype });
    check(current.shape.length === average.shape.length && current.shape.every((d, i) => d === average.shape[i]), fn,
      () => `'student.${name}' ${shapeString(current.shape)} and 'state.weights.${name}' ${shapeString(average.shape)} must have the same shape`);
  }
  const weights = tf.tidy(() => {
    const next: Record<string, tf.Tensor> = {};
    for (const name of names) {
      const average = state.weights[name];
      const current = student[name];
      next[name] = copy(name) || momentum === 0 || average.dtype !== 'float32'
        ? current.clone()
        : tf.add(tf.mul(average, momentum), tf.mul(current, 1 - momentum));
    }
    return next;
  });
  return { weights, step: state.step + 1 };
}

/** JSON-safe copy of the state (reads the weights asynchronously). */
export async function emaToJSON(state: EmaState): Promise<EmaJSON> {
  const weights: Record<string, SerializedTensor> = {};
  for (const [name, w] of Object.entries(state.weights)) weights[name] = await serializeTensor(w);
  return { step: state.step, weights };
}

/** Rebuilds a state from `emaToJSON`'s output; errors name the field at fault. */
export function emaFromJSON(json: EmaJSON): EmaState {
  const fn = 'emaFromJSON';
  check(json !== null && typeof json === 'object', fn, () => `expected an object, got ${String(json)}`);
  checkNumber(json.step, 'step', fn, { min: 0, integer: true });
  check(json.weights !== null && typeof json.weights === 'object' && !Array.isArray(json.weights), fn,
    () => `field 'weights' must be an object of serialised tensors`);
  const weights: Record<string, tf.Tensor> = {};
  try {
    for (const [name, s] of Object.entries(json.weights)) weights[name] = deserializeTensor(s, `weights.${name}`);
  } catch (error) {
    tf.dispose(Object.values(weights));
    check(false, fn, () => (error as Error).message);
  }
  return { weights, step: json.step };
}
