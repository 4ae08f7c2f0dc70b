import * as tf from '@tensorflow/tfjs';
import { check } from '../util/checks';
import type { AffineMap } from './types';

/**
 * Resamples each image through its own affine map with nearest-neighbour lookup:
 * out[n, y, x, :] = images[n, ⌊y_in + ½⌋, ⌊x_in + ½⌋, :], or `fillValue` where that pixel lies outside.
 * `outputShape` [h, w] defaults to the input's.
 *
 * The source pixel of every output pixel is computed in JavaScript (the maps are host numbers), with
 * each product and sum rounded to float32 as the earlier tensor-op version did (x_in =
 * ((a0·x + a1·y) + a2) + ½ in float32), so the result is bit-identical to it on every backend; the
 * images then take one concat (a fill row appended) and one gather. The tensor-op version ran about
 * 30 small kernels per call, which cost 10–20 ms per [96,28,28,1] batch on tfjs-node. Flat indices
 * are exact integers here (float32 indices went wrong beyond 2^24 pixels per batch). It is batched on
 * every backend (tfjs 4.22's cpu `Transform` kernel only transforms the first image of a batch).
 */
export function warpNearest(
  images: tf.Tensor4D, maps: readonly AffineMap[], fillValue: number, outputShape?: [number, number],
): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  check(maps.length === n, 'warpNearest', () => `got ${maps.length} affine maps for ${n} images`);
  const [outH, outW] = outputShape ?? [height, width];
  const indices = sourcePixelIndices(maps, height, width, outH, outW);
  return tf.tidy(() => {
    const flat = tf.reshape(images, [n * height * width, channels]);
    // Row n·h·w is the fill value: pixels read from outside the image point there.
    const withFill = tf.concat([flat, tf.fill([1, channels], fillValue)], 0);
    const pixels = tf.gather(withFill, tf.tensor1d(indices, 'int32'));
    return tf.reshape(pixels, [n, outH, outW, channels]) as tf.Tensor4D;
  });
}

const f32 = Math.fround;

/**
 * For each image b and output pixel (y, x): the flat row b·h·w + y_in·w + x_in of its source pixel,
 * or n·h·w (the fill row) when that pixel lies outside the h×w image. Coordinates in float32:
 * x_in = ⌊f32(f32(f32(f32(a0·x) + f32(a1·y)) + a2) + ½)⌋, likewise y_in with b0, b1, b2.
 */
function sourcePixelIndices(maps: readonly AffineMap[], height: number, width: number, outH: number, outW: number): Int32Array {
  const n = maps.length;
  const fillRow = n * height * width;
  const out = new Int32Array(n * outH * outW);
  let i = 0;
  for (let b = 0; b < n; b++) {
    const [a0, a1, a2, b0, b1, b2] = maps[b].map(f32);
    const base = b * height * width;
    for (let y = 0; y < outH; y++) {
      const a1y = f32(a1 * y);
      const b1y = f32(b1 * y);
      for (let x = 0; x < outW; x++) {
        const inX = Math.floor(f32(f32(f32(f32(a0 * x) + a1y) + a2) + 0.5));
        const inY = Math.floor(f32(f32(f32(f32(b0 * x) + b1y) + b2) + 0.5));
        out[i++] = inX >= 0 && inX <= width - 1 && inY >= 0 && inY <= height - 1 ? base + inY * width + inX : fillRow;
      }
    }
  }
  return out;
}
