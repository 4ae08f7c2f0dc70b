import * as tf from '@tensorflow/tfjs';
import { check } from '../util/checks';
import type { AffineMap } from './types';

/**
 * Resamples each image through its own affine map with nearest-neighbour lookup:
 * out[n, y, x, :] = images[n, ⌊y_in + ½⌋, ⌊x_in + ½⌋, :], or `fillValue` where that pixel lies outside.
 * `outputShape` [h, w] defaults to the input's. With `sources`, output image b reads input image
 * sources[b] through maps[b] (a gather and a warp in one kernel); without, image b through maps[b].
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
  images: tf.Tensor4D, maps: readonly AffineMap[], fillValue: number, outputShape?: [number, number], sources?: readonly number[],
): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  if (sources === undefined) check(maps.length === n, 'warpNearest', () => `got ${maps.length} affine maps for ${n} images`);
  else check(sources.length === maps.length && sources.every((s) => Number.isInteger(s) && s >= 0 && s < n), 'warpNearest', () => `got ${sources.length} source images for ${maps.length} affine maps (each in [0, ${n}))`);
  const [outH, outW] = outputShape ?? [height, width];
  const indices = sourcePixelIndices(maps, n, height, width, outH, outW, sources);
  return tf.tidy(() => {
    const flat = tf.reshape(images, [n * height * width, channels]);
    // Row n·h·w is the fill value: pixels read from outside the image point there.
    const withFill = tf.concat([flat, tf.fill([1, channels], fillValue)], 0);
    const pixels = tf.gather(withFill, tf.tensor1d(indices, 'int32'));
    return tf.reshape(pixels, [maps.length, outH, outW, channels]) as tf.Tensor4D;
  });
}

const f32 = Math.fround;

/**
 * For each image b and output pixel (y, x): the flat row s·h·w + y_in·w + x_in of its source pixel (s = sources[b], default b),
 * or n·h·w (the fill row) when that pixel lies outside the h×w image. Coordinates in float32:
 * x_in = ⌊f32(f32(f32(f32(a0·x) + f32(a1·y)) + a2) + ½)⌋, likewise y_in with b0, b1, b2.
 */
function sourcePixelIndices(
  maps: readonly AffineMap[], n: number, height: number, width: number, outH: number, outW: number, sources?: readonly number[],
): Int32Array {
  const fillRow = n * height * width;
  const out = new Int32Array(maps.length * outH * outW);
  let i = 0;
  for (let b = 0; b < maps.length; b++) {
    const [a0, a1, a2, b0, b1, b2] = maps[b].map(f32);
    const base = (sources === undefined ? b : sources[b]) * height * width;
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
