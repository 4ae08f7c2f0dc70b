import type { ImageDataset } from '../data/types';
import { makeSplit, type SplitAllocation } from '../data/makeSplit';
import { deriveSeed } from '../state/random';

/** Some samples of a data set. */
export interface DataPart {
  dataset: ImageDataset;
  indices: Int32Array;
}

/** Seed of the digits test hold-out: fixed, so that runs with different --seed share one test set. */
export const DIGITS_TEST_SEED = deriveSeed(0x7e57, 1);

/**
 * Digits has no test split: holds out a class-balanced test set of `test` images with the fixed
 * DIGITS_TEST_SEED (the same for every --seed); the rest is the training pool.
 */
export function holdOutDigitsTest(digits: ImageDataset, test: number): { poolIndices: Int32Array; test: DataPart } {
  const held = makeSplit(digits.labels, { numLabeled: test, seed: DIGITS_TEST_SEED, numClasses: digits.numClasses, dataset: 'digits-test' });
  return { poolIndices: held.unlabeled, test: { dataset: digits, indices: held.labeled } };
}

/**
 * Split of a training pool (`poolIndices` into `pool`), seeded by `seed`: `labels` labeled, `validation`
 * validation, the rest unlabeled; class-balanced, or stratified (`allocation`, for long-tailed pools).
 * Returned indices point into `pool`.
 */
export function cutPool(
  pool: ImageDataset, poolIndices: Int32Array,
  opts: { labels: number; validation: number; seed: number; dataset: string; allocation?: SplitAllocation },
): { labeled: DataPart; unlabeled: DataPart; validation: DataPart } {
  const poolLabels = Int32Array.from(poolIndices, (i) => pool.labels[i]);
  const split = makeSplit(poolLabels, {
    numLabeled: opts.labels, numValidation: opts.validation, seed: opts.seed, numClasses: pool.numClasses, dataset: opts.dataset,
    allocation: opts.allocation ?? 'balanced',
  });
  const part = (xs: Int32Array): DataPart => ({ dataset: pool, indices: Int32Array.from(xs, (i) => poolIndices[i]) });
  return { labeled: part(split.labeled), unlabeled: part(split.unlabeled), validation: part(split.validation) };
}
