import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Runs `fn` and asserts that it leaves `tf.memory().numTensors` unchanged. Returns fn's result. */
export async function expectNoLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  expect(tf.memory().numTensors, 'tensor count grew (leak)').toBe(before);
  return result;
}

/** Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the first index that fails. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e) || (Number.isNaN(a) && Number.isNaN(e));
    if (!ok) expect.fail(`index ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Reads a tensor's values synchronously and disposes nothing. */
export const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/**
 * Central-difference numerical gradient of a scalar function of one tensor, computed in float64
 * on the JS side around the float32 point: (f(x+h e_i) − f(x−h e_i)) / 2h for every element.
 */
export function numericalGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, h = 1e-2): Float64Array {
  const base = Float64Array.from(x.dataSync());
  const grad = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice();
    plus[i] += h;
    const minus = base.slice();
    minus[i] -= h;
    const fp = tf.tidy(() => f(tf.tensor(Array.from(plus), x.shape, 'float32')).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor(Array.from(minus), x.shape, 'float32')).dataSync()[0]);
    grad[i] = (fp - fm) / (2 * h);
  }
  return grad;
}

/** Asserts tf.grad(f)(x) agrees with the central-difference gradient. */
export function expectGradientMatches(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, { h = 1e-2, atol = 2e-3, rtol = 2e-2 } = {}): void {
  const analytic = tf.tidy(() => tf.grad(f)(x).dataSync());
  const numeric = numericalGradient(f, x, h);
  expectClose(analytic, numeric, atol, rtol);
}
