import * as tf from '@tensorflow/tfjs';
import { valueChecksDeferred } from './valueChecks';
import { canReadSync, webgpuValuesOnHost } from './syncRead';

/** Error thrown for invalid arguments; the message names the function, the argument and the shapes at fault. */
export class TearArgumentError extends Error {
  override name = 'TearArgumentError';
}

/**
 * A TearArgumentError for NaN or infinite values in an argument (callers inside `deferValueChecks` may turn it
 * into a NaN result); its `name` stays 'TearArgumentError', so code that tests the name sees no change.
 */
export class NonFiniteArgumentError extends TearArgumentError {}

/** Throws `NonFiniteArgumentError("tear-ssl.<fn>: <message>")` unless `condition` holds. */
export function checkFiniteValues(condition: boolean, fn: string, message: () => string): asserts condition {
  if (!condition) throw new NonFiniteArgumentError(`tear-ssl.${fn}: ${message()}`);
}

/** Throws `TearArgumentError("tear-ssl.<fn>: <message>")` unless `condition` holds. */
export function check(condition: boolean, fn: string, message: () => string): asserts condition {
  if (!condition) throw new TearArgumentError(`tear-ssl.${fn}: ${message()}`);
}

/**
 * Refuses a call in the positional form that a loss function accepted before it took its tensors in one
 * object (`softCrossEntropy(targets, logits)` → `softCrossEntropy({ targets, logits }, options)`): the
 * first argument is a tensor where the inputs object is expected. One `instanceof`, no device read.
 * The message names the current form, `currentForm`.
 */
export function checkNotPositional(first: unknown, fn: string, currentForm: string): void {
  if (first instanceof tf.Tensor) {
    throw new TearArgumentError(`tear-ssl.${fn}: called with tensors as positional arguments (the older form); pass an object: ${currentForm}`);
  }
}

/**
 * Checks the first argument of an `fn(inputs, options)` function (docs/architecture.md, Conventions): refuses
 * the older positional form with {@link checkNotPositional}, then anything that is not an object. Both
 * messages name the current form, `currentForm`.
 */
export function checkInputs(inputs: unknown, fn: string, currentForm: string): asserts inputs is object {
  checkNotPositional(inputs, fn, currentForm);
  check(inputs !== null && typeof inputs === 'object', fn, () => `argument 'inputs' must be an object of named tensors: ${currentForm}`);
}

/**
 * Checks a required options argument (one with a required field, such as `numClusters`): a call without it is
 * refused with a message naming the current form.
 */
export function checkRequiredOptions(options: unknown, fn: string, currentForm: string): asserts options is object {
  check(options !== null && typeof options === 'object' && !(options instanceof tf.Tensor), fn,
    () => `argument 'options' is required: ${currentForm}`);
}

export const shapeString = (shape: readonly number[]): string => `[${shape.join(',')}]`;

export interface TensorSpec {
  rank?: number;
  dtype?: tf.DataType | readonly tf.DataType[];
}

/** Checks that `t` is a tensor of the given rank and dtype; the error names `name` and the shape found. */
export function checkTensor(t: unknown, name: string, fn: string, spec: TensorSpec = {}): asserts t is tf.Tensor {
  check(t instanceof tf.Tensor, fn, () => `argument '${name}' must be a tf.Tensor, got ${describe(t)}`);
  if (spec.rank !== undefined) {
    check(t.rank === spec.rank, fn, () => `argument '${name}' must have rank ${spec.rank}, got shape ${shapeString(t.shape)}`);
  }
  if (spec.dtype !== undefined) {
    const allowed = (Array.isArray(spec.dtype) ? spec.dtype : [spec.dtype]) as readonly tf.DataType[];
    check(allowed.includes(t.dtype), fn, () => `argument '${name}' must have dtype ${allowed.join(' or ')}, got ${t.dtype}`);
  }
}

/** Checks `a.shape[axisA] === b.shape[axisB]` (all dims when axes are omitted); the error names both arguments and shapes. */
export function checkSameDim(
  a: tf.Tensor, aName: string, b: tf.Tensor, bName: string, fn: string, axisA?: number, axisB: number | undefined = axisA,
): void {
  if (axisA === undefined) {
    const same = a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
    check(same, fn, () => `'${aName}' ${shapeString(a.shape)} and '${bName}' ${shapeString(b.shape)} must have the same shape`);
    return;
  }
  check(a.shape[axisA] === b.shape[axisB as number], fn, () =>
    `'${aName}' ${shapeString(a.shape)} dim ${axisA} must equal '${bName}' ${shapeString(b.shape)} dim ${axisB}`);
}

/** Checks a numeric option lies in [min, max] (bounds optional, inclusive unless `open` says otherwise). */
export function checkNumber(
  value: unknown, name: string, fn: string,
  range: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean; integer?: boolean } = {},
): asserts value is number {
  check(typeof value === 'number' && Number.isFinite(value), fn, () => `option '${name}' must be a finite number, got ${describe(value)}`);
  const { min, max, minOpen, maxOpen, integer } = range;
  if (integer) check(Number.isInteger(value), fn, () => `option '${name}' must be an integer, got ${value}`);
  if (min !== undefined) check(minOpen ? value > min : value >= min, fn, () => `option '${name}' must be ${minOpen ? '>' : '>='} ${min}, got ${value}`);
  if (max !== undefined) check(maxOpen ? value < max : value <= max, fn, () => `option '${name}' must be ${maxOpen ? '<' : '<='} ${max}, got ${value}`);
}

/** Checks a string option is one of `allowed`. */
export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], name: string, fn: string): asserts value is T {
  check(typeof value === 'string' && (allowed as readonly string[]).includes(value), fn,
    () => `option '${name}' must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
}

function describe(v: unknown): string {
  if (v instanceof tf.Tensor) return `tensor ${shapeString(v.shape)} ${v.dtype}`;
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? `array(${v.length})` : 'object';
}

function hostRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  return [lo, hi];
}

/**
 * Checks every value of `t` lies in [min, max] (`maxOpen`: below max). Reads two numbers back (one
 * sync on GPU backends); only when they are out of range is the whole tensor read to name the first
 * value at fault: "argument 'labels' [4] has 7 at index [2], outside [0, 3)". NaN is left to the NaN
 * policy (src/util/numerics.ts): it passes here and propagates. Skipped inside `deferValueChecks`
 * (the trainer's hot path, which checks at its boundary instead).
 */
export function checkValuesInRange(
  t: tf.Tensor, name: string, fn: string, range: { min: number; max: number; maxOpen?: boolean },
): void {
  if (t.size === 0 || valueChecksDeferred()) return;
  // On webgpu the check reads only values already on the CPU; a GPU-resident tensor is not checked
  // there, since that read cannot be trusted (src/util/syncRead.ts). Shapes and dtypes still are.
  if (!canReadSync(t)) return;
  const { min, max, maxOpen = false } = range;
  const [lo, hi] = webgpuValuesOnHost(t) ? hostRange(t.dataSync()) : tf.tidy(() => tf.stack([tf.min(t).toFloat(), tf.max(t).toFloat()]).dataSync());
  const outside = (v: number): boolean => v < min || (maxOpen ? v >= max : v > max);
  if (!outside(lo) && !outside(hi)) return;
  const data = t.dataSync();
  let at = 0;
  while (at < data.length && !outside(data[at])) at++;
  const index: number[] = [];
  let rest = at;
  for (let axis = t.shape.length - 1; axis >= 0; axis--) {
    index.unshift(rest % t.shape[axis]);
    rest = Math.floor(rest / t.shape[axis]);
  }
  check(false, fn, () => `argument '${name}' ${shapeString(t.shape)} has ${data[at]} at index ${shapeString(index)}, outside [${min}, ${max}${maxOpen ? ')' : ']'}`);
}
