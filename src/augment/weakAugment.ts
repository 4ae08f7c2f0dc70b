import * as tf from '@tensorflow/tfjs';
import { Random } from '../state/random';
import { check, checkNumber } from '../util/checks';
import { checkImages } from './checkImages';
import { dihedralCrop } from './dihedralCrop';
import type { Augment } from './types';

/** Options of weakAugment: horizontal flip, reflect padding, random crop. */
export interface WeakAugmentOptions {
  /** Random horizontal flip with probability ½ (default true). */
  flip?: boolean;
  /** Reflect padding in pixels before the crop (default 4). */
  pad?: number;
  /** Random crop back to the input size (default true); without it the image is not shifted. */
  crop?: boolean;
}

/** FixMatch's weak augmentation: per image, flip with probability ½, reflect-pad by `pad`, crop a random h×w window. */
export function weakAugment(options: WeakAugmentOptions = {}): Augment {
  const fn = 'weakAugment';
  const { flip = true, pad = 4, crop = true } = options;
  checkNumber(pad, 'pad', fn, { min: 0, integer: true });
  return (images, seed) => {
    checkImages(images, fn);
    const [n, height, width] = images.shape;
    const usedPad = crop ? pad : 0;
    check(usedPad < Math.min(height, width), fn, () => `option 'pad' ${pad} must be smaller than the image sides [${height},${width}]`);
    const rng = new Random(seed);
    const params = Array.from({ length: n }, () => ({
      flipHorizontal: flip && rng.next() < 0.5,
      flipVertical: false,
      quarterTurns: 0,
      offsetX: rng.nextInt(2 * usedPad + 1),
      offsetY: rng.nextInt(2 * usedPad + 1),
    }));
    return tf.tidy(() => dihedralCrop(images, usedPad, params));
  };
}
