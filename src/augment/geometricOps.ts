import * as tf from '@tensorflow/tfjs';
import { rotationMap, shearXMap, shearYMap, translationMap } from './affineMaps';
import { warpNearest } from './warpNearest';

/** Grey used for pixels that geometric ops and Cutout bring in from outside the image. */
export const FILL_VALUE = 0.5;

/** Rotates each image counter-clockwise by degrees[n] about its centre (nearest neighbour, grey fill). */
export function rotate(images: tf.Tensor4D, degrees: readonly number[]): tf.Tensor4D {
  const [, h, w] = images.shape;
  return warpNearest(images, degrees.map((d) => rotationMap(d, h, w)), FILL_VALUE);
}

/** Shears each image horizontally by shears[n] about its centre row (x_in = x + s·(y − cy)). */
export function shearX(images: tf.Tensor4D, shears: readonly number[]): tf.Tensor4D {
  const [, h, w] = images.shape;
  return warpNearest(images, shears.map((s) => shearXMap(s, h, w)), FILL_VALUE);
}

/** Shears each image vertically by shears[n] about its centre column (y_in = y + s·(x − cx)). */
export function shearY(images: tf.Tensor4D, shears: readonly number[]): tf.Tensor4D {
  const [, h, w] = images.shape;
  return warpNearest(images, shears.map((s) => shearYMap(s, h, w)), FILL_VALUE);
}

/** Moves each image's content right by pixels[n] (negative: left), grey fill. */
export function translateX(images: tf.Tensor4D, pixels: readonly number[]): tf.Tensor4D {
  return warpNearest(images, pixels.map((p) => translationMap(p, 0)), FILL_VALUE);
}

/** Moves each image's content down by pixels[n] (negative: up), grey fill. */
export function translateY(images: tf.Tensor4D, pixels: readonly number[]): tf.Tensor4D {
  return warpNearest(images, pixels.map((p) => translationMap(0, p)), FILL_VALUE);
}
