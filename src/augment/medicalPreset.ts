import * as tf from '@tensorflow/tfjs';
import { Random, deriveSeed } from '../state/random';
import { check, checkNumber } from '../util/checks';
import { checkImages } from './checkImages';
import { dihedralCrop } from './dihedralCrop';
import { randAugment, RAND_AUGMENT_OPS, type RandAugmentOp, type RandAugmentOptions } from './randAugment';
import type { Augment } from './types';

/** RandAugment pool for medical images: the 14 operations without Solarize (no colour inversion). */
export const MEDICAL_RAND_AUGMENT_OPS: readonly RandAugmentOp[] = RAND_AUGMENT_OPS.filter((op) => op !== 'Solarize');

/** Options of medicalPreset, the augmentations for dermoscopic images. */
export interface MedicalPresetOptions {
  /** Reflect padding before the random crop, as a fraction of the shorter side (default 0.125, 16 px at 128). */
  padFraction?: number;
  /** RandAugment options of the strong view (default pool MEDICAL_RAND_AUGMENT_OPS). */
  randAugment?: RandAugmentOptions;
}

/**
 * Augmentations for lesion images, which have no canonical orientation. weak: per image, horizontal and vertical
 * flips (probability ½ each), k·90° rotation (k uniform in 0..3; square images only), reflect pad + random crop.
 * strong: weak (seed deriveSeed(seed, 1)), then RandAugment over MEDICAL_RAND_AUGMENT_OPS + Cutout (deriveSeed(seed, 2)).
 */
export function medicalPreset(options: MedicalPresetOptions = {}): { weak: Augment; strong: Augment } {
  const fn = 'medicalPreset';
  const { padFraction = 0.125, randAugment: raOptions = {} } = options;
  checkNumber(padFraction, 'padFraction', fn, { min: 0, max: 0.5, maxOpen: true });
  const weak: Augment = (images, seed) => {
    checkImages(images, fn);
    const [n, height, width] = images.shape;
    check(height === width, fn, () => `images must be square for 90° rotations, got shape [${images.shape.join(',')}]`);
    const pad = Math.round(padFraction * height);
    const rng = new Random(seed);
    const params = Array.from({ length: n }, () => ({
      flipHorizontal: rng.next() < 0.5,
      flipVertical: rng.next() < 0.5,
      quarterTurns: rng.nextInt(4),
      offsetX: rng.nextInt(2 * pad + 1),
      offsetY: rng.nextInt(2 * pad + 1),
    }));
    return tf.tidy(() => dihedralCrop(images, pad, params));
  };
  const ra = randAugment({ ops: MEDICAL_RAND_AUGMENT_OPS, ...raOptions });
  const strong: Augment = (images, seed) => tf.tidy(() => ra(weak(images, deriveSeed(seed, 1)), deriveSeed(seed, 2)));
  return { weak, strong };
}
