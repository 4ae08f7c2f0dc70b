import * as tf from '@tensorflow/tfjs';

/** A batch whose pixel (n, y, x, c) is a distinct value in (0, 1): easy to trace where each pixel went. */
export function rampImages(n: number, h: number, w: number, c: number): tf.Tensor4D {
  const size = n * h * w * c;
  return tf.tensor4d(Array.from({ length: size }, (_, i) => (i + 1) / (size + 1)), [n, h, w, c]);
}

/** Nested JS array of a 4-D tensor. */
export const nested = (t: tf.Tensor4D): number[][][][] => t.arraySync();

/** Reference reflect index (numpy 'reflect', no edge repeat) for padding. */
export function reflectIndex(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/** Nested JS array of a 4-D tensor, disposing the tensor. */
export function take(t: tf.Tensor4D): number[][][][] {
  const a = t.arraySync();
  t.dispose();
  return a;
}
