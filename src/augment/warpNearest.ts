import * as tf from '@tensorflow/tfjs';
import { check } from '../util/checks';
import type { AffineMap } from './types';

/**
 * Resamples each image through its own affine map with nearest-neighbour lookup:
 * out[n, y, x, :] = images[n, ⌊y_in + ½⌋, ⌊x_in + ½⌋, :], or `fillValue` where that pixel lies outside.
 * Built from gather ops so it is batched on every backend (tfjs 4.22's cpu `Transform` kernel only
 * transforms the first image of a batch). `outputShape` [h, w] defaults to the input's.
 */
export function warpNearest(
  images: tf.Tensor4D, maps: readonly AffineMap[], fillValue: number, outputShape?: [number, number],
): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  check(maps.length === n, 'warpNearest', () => `got ${maps.length} affine maps for ${n} images`);
  const [outH, outW] = outputShape ?? [height, width];
  return tf.tidy(() => {
    const xs = new Float32Array(outH * outW);
    const ys = new Float32Array(outH * outW);
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        xs[y * outW + x] = x;
        ys[y * outW + x] = y;
      }
    }
    const gridX = tf.tensor2d(xs, [1, outH * outW]);
    const gridY = tf.tensor2d(ys, [1, outH * outW]);
    const coef = (k: number) => tf.tensor2d(maps.map((m) => m[k]), [n, 1]);
    const inX = tf.floor(tf.add(tf.add(tf.add(tf.mul(coef(0), gridX), tf.mul(coef(1), gridY)), coef(2)), 0.5));
    const inY = tf.floor(tf.add(tf.add(tf.add(tf.mul(coef(3), gridX), tf.mul(coef(4), gridY)), coef(5)), 0.5));
    const inside = tf.logicalAnd(
      tf.logicalAnd(tf.greaterEqual(inX, 0), tf.lessEqual(inX, width - 1)),
      tf.logicalAnd(tf.greaterEqual(inY, 0), tf.lessEqual(inY, height - 1)),
    );
    const batchOffset = tf.tensor2d(Array.from({ length: n }, (_, b) => b * height * width), [n, 1]);
    const flatIndex = tf.add(tf.add(tf.mul(tf.clipByValue(inY, 0, height - 1), width), tf.clipByValue(inX, 0, width - 1)), batchOffset);
    const pixels = tf.gather(tf.reshape(images, [n * height * width, channels]), tf.cast(tf.reshape(flatIndex, [-1]), 'int32'));
    const mask = tf.reshape(inside, [n * outH * outW, 1]);
    const filled = tf.where(tf.broadcastTo(mask, [n * outH * outW, channels]), pixels, tf.fill([n * outH * outW, channels], fillValue));
    return tf.reshape(filled, [n, outH, outW, channels]) as tf.Tensor4D;
  });
}
