import type * as tf from '@tensorflow/tfjs';
import { check, checkTensor } from '../util/checks';

/** Checks `images` is a float32 NHWC tensor (values are assumed in [0, 1]). */
export function checkImages(images: unknown, fn: string): asserts images is tf.Tensor4D {
  checkTensor(images, 'images', fn, { rank: 4, dtype: 'float32' });
}

/** Checks a per-image parameter list has one entry per image. */
export function checkPerImage(params: ArrayLike<unknown>, name: string, numImages: number, fn: string): void {
  check(params.length === numImages, fn, () => `argument '${name}' has ${params.length} entries for ${numImages} images`);
}
