import * as tf from '@tensorflow/tfjs';
import { Random, deriveSeed } from '../state/random';
import { check, checkNumber } from '../util/checks';
import { checkImages } from './checkImages';
import { adjustBrightness, adjustColor, adjustContrast, adjustSharpness, autoContrast } from './colorOps';
import { cutout } from './cutout';
import { equalize } from './equalize';
import { rotate, shearX, shearY, translateX, translateY } from './geometricOps';
import { posterize, solarize } from './tonalOps';
import type { Augment } from './types';
import { weakAugment, type WeakAugmentOptions } from './weakAugment';

/** The 14 operations of FixMatch's RandAugment pool. */
export const RAND_AUGMENT_OPS = [
  'AutoContrast', 'Brightness', 'Color', 'Contrast', 'Equalize', 'Identity', 'Posterize',
  'Rotate', 'Sharpness', 'ShearX', 'ShearY', 'Solarize', 'TranslateX', 'TranslateY',
] as const;

/** The name of one RandAugment operation (RAND_AUGMENT_OPS). */
export type RandAugmentOp = (typeof RAND_AUGMENT_OPS)[number];

/** Options of randAugment: operations per image, magnitude sampling, Cutout size and the operation pool. */
export interface RandAugmentOptions {
  /** Operations applied in sequence to each image, each drawn uniformly (with replacement) from `ops` (default 2). */
  numOps?: number;
  /** 0..10, or 'random' (default): a fresh magnitude ~ U[0, 10] for every image and operation. */
  magnitude?: 'random' | number;
  /** Cutout square side as a fraction of the shorter image side, 0 for none (default 0.5). */
  cutout?: number;
  /** The pool (default all 14). */
  ops?: readonly RandAugmentOp[];
}

/**
 * The parameter an operation gets at magnitude m ∈ [0, 10] (t = m/10) and sign s = ±1:
 * Brightness, Color, Contrast, Sharpness: factor 1 + 0.9·s·t; Posterize: 8 − round(4t) bits;
 * Solarize: threshold (256 − 256t)/255; Rotate: 30·s·t degrees; ShearX/Y: 0.3·s·t;
 * TranslateX/Y: round(0.3·s·t·side) pixels; AutoContrast, Equalize, Identity: none (0).
 */
export function randAugmentParameter(op: RandAugmentOp, magnitude: number, sign: 1 | -1, height: number, width: number): number {
  const t = magnitude / 10;
  switch (op) {
    case 'Brightness': case 'Color': case 'Contrast': case 'Sharpness': return 1 + 0.9 * sign * t;
    case 'Posterize': return 8 - Math.round(4 * t);
    case 'Solarize': return (256 - 256 * t) / 255;
    case 'Rotate': return 30 * sign * t;
    case 'ShearX': case 'ShearY': return 0.3 * sign * t;
    case 'TranslateX': return Math.round(0.3 * sign * t * width);
    case 'TranslateY': return Math.round(0.3 * sign * t * height);
    default: return 0;
  }
}

/** Applies one operation to every image of `images` with per-image parameters. */
export function applyRandAugmentOp(op: RandAugmentOp, images: tf.Tensor4D, params: readonly number[]): tf.Tensor4D {
  switch (op) {
    case 'AutoContrast': return autoContrast(images);
    case 'Brightness': return adjustBrightness(images, params);
    case 'Color': return adjustColor(images, params);
    case 'Contrast': return adjustContrast(images, params);
    case 'Equalize': return equalize(images);
    case 'Identity': return tf.clone(images);
    case 'Posterize': return posterize(images, params);
    case 'Rotate': return rotate(images, params);
    case 'Sharpness': return adjustSharpness(images, params);
    case 'ShearX': return shearX(images, params);
    case 'ShearY': return shearY(images, params);
    case 'Solarize': return solarize(images, params);
    case 'TranslateX': return translateX(images, params);
    case 'TranslateY': return translateY(images, params);
  }
}

/**
 * RandAugment as in FixMatch: per image, `numOps` operations drawn uniformly from `ops`, each at its own
 * magnitude and sign, then a Cutout square (grey 0.5) of side round(cutout · min(H, W)) centred at a uniform
 * pixel (clipped at the borders). Output clipped to [0, 1]. Images sharing an operation in a slot are
 * processed together (gather → op → scatter back).
 */
export function randAugment(options: RandAugmentOptions = {}): Augment {
  const fn = 'randAugment';
  const { numOps = 2, magnitude = 'random', cutout: cutoutFraction = 0.5, ops = RAND_AUGMENT_OPS } = options;
  checkNumber(numOps, 'numOps', fn, { min: 0, integer: true });
  if (magnitude !== 'random') checkNumber(magnitude, 'magnitude', fn, { min: 0, max: 10 });
  checkNumber(cutoutFraction, 'cutout', fn, { min: 0, max: 1 });
  check(Array.isArray(ops) && ops.length > 0 && ops.every((o) => (RAND_AUGMENT_OPS as readonly string[]).includes(o)), fn,
    () => `option 'ops' must be a non-empty list of ${RAND_AUGMENT_OPS.join(', ')}, got ${JSON.stringify(ops)}`);
  const pool = ops.slice();

  return (images, seed) => {
    checkImages(images, fn);
    const [n, height, width] = images.shape;
    const rng = new Random(seed);
    const plans = Array.from({ length: n }, () => Array.from({ length: numOps }, () => {
      const op = pool[rng.nextInt(pool.length)];
      const m = magnitude === 'random' ? rng.uniform(0, 10) : magnitude;
      const sign: 1 | -1 = rng.next() < 0.5 ? -1 : 1;
      return { op, param: randAugmentParameter(op, m, sign, height, width) };
    }));
    const size = Math.round(cutoutFraction * Math.min(height, width));
    const boxes = Array.from({ length: n }, () => {
      const cy = rng.nextInt(height);
      const cx = rng.nextInt(width);
      return { top: cy - Math.floor(size / 2), left: cx - Math.floor(size / 2), size };
    });
    return tf.tidy(() => {
      let x: tf.Tensor4D = images;
      for (let slot = 0; slot < numOps; slot++) x = applySlot(x, plans.map((p) => p[slot]));
      if (size > 0) x = cutout(x, boxes);
      return tf.clipByValue(x, 0, 1) as tf.Tensor4D;
    });
  };
}

/** Runs each image's operation for one slot: groups images by operation, applies, restores the batch order. */
function applySlot(images: tf.Tensor4D, steps: ReadonlyArray<{ op: RandAugmentOp; param: number }>): tf.Tensor4D {
  const groups = new Map<RandAugmentOp, number[]>();
  steps.forEach((s, i) => groups.set(s.op, [...(groups.get(s.op) ?? []), i]));
  if (groups.size === 1) {
    const [op] = groups.keys();
    return applyRandAugmentOp(op, images, steps.map((s) => s.param));
  }
  const order: number[] = [];
  const parts: tf.Tensor4D[] = [];
  for (const [op, indices] of groups) {
    order.push(...indices);
    parts.push(applyRandAugmentOp(op, tf.gather(images, indices), indices.map((i) => steps[i].param)));
  }
  const inverse = new Array<number>(order.length);
  order.forEach((original, position) => { inverse[original] = position; });
  return tf.gather(tf.concat(parts, 0), inverse) as tf.Tensor4D;
}

/** Options of strongAugment: RandAugment's options plus those of the weak view it starts from. */
export interface StrongAugmentOptions extends RandAugmentOptions {
  /** The flip/crop applied first (FixMatch's weak part, default flip + reflect-pad-4 crop). */
  weak?: WeakAugmentOptions;
}

/** FixMatch's strong augmentation: `weakAugment` (seed deriveSeed(seed, 1)) then `randAugment` (seed deriveSeed(seed, 2)). */
export function strongAugment(options: StrongAugmentOptions = {}): Augment {
  const { weak, ...ra } = options;
  const first = weakAugment(weak);
  const second = randAugment(ra);
  return (images, seed) => tf.tidy(() => second(first(images, deriveSeed(seed, 1)), deriveSeed(seed, 2)));
}
