import { deriveSeed } from '../state/random';
import { check } from '../util/checks';
import { seededPermutation } from './permutation';
import type { ImageDataset } from './types';

/**
 * Long-tailed training pools from any labeled data set: keep a given number of images per class
 * (0 drops the class), chosen deterministically from a seed. Used by `tear-ssl train --class-counts`
 * and the `--long-tail` presets (docs/data.md, "Long-tailed pools").
 */

/**
 * The classes kept by `counts` (those with a count > 0), in their original order. Class `kept[j]` of
 * the data set becomes class j of the subset.
 */
export function keptClasses(counts: readonly number[]): number[] {
  return counts.flatMap((n, c) => (n > 0 ? [c] : []));
}

/** Indices (ascending) of the samples whose label is one of `classes`. */
export function indicesOfClasses(labels: Int32Array, classes: readonly number[]): Int32Array {
  const keep = new Set(classes);
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (keep.has(labels[i])) out.push(i);
  return Int32Array.from(out);
}

/**
 * The samples `indices` of `dataset` (each of a class in `classes`), relabelled 0..k−1 in the order of
 * `classes`: a new ImageDataset (images copied, ids kept), with `classNames[j]` = `names?.[j]` or the
 * original name. Throws, naming the fault, when a class is out of range or listed twice, fewer than two
 * classes are kept, or a sample's class is not kept.
 */
export function selectSamples(dataset: ImageDataset, indices: Int32Array, classes: readonly number[], names?: readonly string[]): ImageDataset {
  const fn = 'selectSamples';
  check(classes.length >= 2, fn, () => `keep at least two classes, got ${classes.length}`);
  const newLabel = new Int32Array(dataset.numClasses).fill(-1);
  classes.forEach((c, j) => {
    check(Number.isInteger(c) && c >= 0 && c < dataset.numClasses, fn, () => `class ${c} is out of range [0, ${dataset.numClasses})`);
    check(newLabel[c] === -1, fn, () => `class ${c} is listed twice`);
    newLabel[c] = j;
  });
  check(names === undefined || names.length === classes.length, fn, () => `'names' has ${names?.length} entries, expected ${classes.length}`);
  const size = dataset.shape[0] * dataset.shape[1] * dataset.shape[2];
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((i, k) => {
    check(i >= 0 && i < dataset.labels.length, fn, () => `indices[${k}] = ${i} is out of range [0, ${dataset.labels.length})`);
    const label = newLabel[dataset.labels[i]];
    check(label >= 0, fn, () => `sample ${i} has class ${dataset.labels[i]}, which is not kept`);
    images.set(dataset.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = label;
  });
  const subset: ImageDataset = {
    images, labels, shape: [...dataset.shape] as [number, number, number], numClasses: classes.length,
    classNames: classes.map((c, j) => names?.[j] ?? dataset.classNames[c] ?? String(c)),
  };
  if (dataset.ids !== undefined) subset.ids = Array.from(indices, (i) => (dataset.ids as string[])[i]);
  return subset;
}

/** Purpose key of deriveSeed for the pool draw (kept apart from the split's keys 1–3). */
const POOL_KEY = 4;

/**
 * A long-tailed pool: for each class c, `counts[c]` of its samples drawn uniformly without replacement
 * (each class shuffled with deriveSeed(seed, 4, c)); returns the chosen indices into `labels`, sorted.
 * Deterministic for a seed. Throws, naming the class, when a class has fewer samples than asked for or
 * `counts` does not have one entry per class.
 */
export function longTailPool(labels: Int32Array, counts: readonly number[], seed: number, numClasses: number): Int32Array {
  const fn = 'longTailPool';
  check(counts.length === numClasses, fn, () => `'counts' has ${counts.length} entries, expected one per class (${numClasses})`);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    check(Number.isInteger(y) && y >= 0 && y < numClasses, fn, () => `labels[${i}] = ${y} is out of range [0, ${numClasses})`);
    byClass[y].push(i);
  }
  const chosen: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const n = counts[c];
    check(Number.isInteger(n) && n >= 0, fn, () => `counts[${c}] must be a non-negative integer, got ${n}`);
    check(byClass[c].length >= n, fn, () => `class ${c} has ${byClass[c].length} samples, ${n} asked for`);
    chosen.push(...seededPermutation(byClass[c], deriveSeed(seed, POOL_KEY, c)).subarray(0, n));
  }
  return Int32Array.from(chosen).sort();
}

/**
 * Counts in proportion to `shape`, scaled so that the largest is `largest`: round(s·largest/max(shape)),
 * at least 1 for every class with s > 0.
 */
export function scaleCounts(shape: readonly number[], largest: number): number[] {
  const max = Math.max(...shape);
  return shape.map((s) => (s <= 0 ? 0 : Math.max(1, Math.round((s * largest) / max))));
}

/** A named long-tailed shape for one data set. */
export interface LongTailPreset {
  /** The data set it applies to. */
  dataset: string;
  /** Images per class of the data set's training pool, in its class order (0 drops the class). */
  counts: readonly number[];
  /** Names of the kept classes (in their original order), saying what each stands for. */
  classNames: readonly string[];
  /** What the preset imitates, for the docs and the run report. */
  description: string;
}

/** ISIC 2018 Task 3 training-set counts: NV, MEL, BKL, BCC, AKIEC, VASC, DF (58 : 1). */
export const ISIC2018_CLASS_COUNTS = { NV: 6705, MEL: 1113, BKL: 1099, BCC: 514, AKIEC: 327, VASC: 142, DF: 115 } as const;

/** Which Fashion-MNIST class stands for which ISIC class (the look-alike garments T-shirt/top and Shirt stand for NV and MEL). */
const FASHION_AS_ISIC: ReadonlyArray<[number, keyof typeof ISIC2018_CLASS_COUNTS]> = [
  [0, 'NV'], [6, 'MEL'], [2, 'BKL'], [4, 'BCC'], [3, 'AKIEC'], [7, 'VASC'], [5, 'DF'],
];

function fashionIsicPreset(): LongTailPreset {
  const counts = new Array<number>(10).fill(0);
  const scaled = scaleCounts(FASHION_AS_ISIC.map(([, isic]) => ISIC2018_CLASS_COUNTS[isic]), 6000);
  FASHION_AS_ISIC.forEach(([c], i) => { counts[c] = scaled[i]; });
  const fashionNames = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  const isicOf = new Map(FASHION_AS_ISIC);
  return {
    dataset: 'fashion-mnist',
    counts,
    classNames: keptClasses(counts).map((c) => `${fashionNames[c]} (${isicOf.get(c)})`),
    description: 'Fashion-MNIST in the class proportions of ISIC 2018 Task 3 (NV 6000 : DF 103, 58 : 1): a proxy for the imbalance, not for dermatology',
  };
}

/** The named presets of `--long-tail`. */
export const LONG_TAIL_PRESETS: Readonly<Record<'isic2018', LongTailPreset>> = {
  isic2018: fashionIsicPreset(),
};

/** A preset name of `--long-tail`. */
export type LongTailPresetName = keyof typeof LONG_TAIL_PRESETS;
/** The names `--long-tail` accepts. */
export const LONG_TAIL_PRESET_NAMES = Object.keys(LONG_TAIL_PRESETS) as LongTailPresetName[];
