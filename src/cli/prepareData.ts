import { join } from 'node:path';
import { ISIC2018_NORMALIZATION, loadCifar10, loadDigits, loadIdx, loadIsic2018, type ImageDataset, type Isic2018Budget } from '../data/index';
import { packageRoot } from '../data/packageRoot';
import { DataFormatError } from '../data/errors';
import { indicesOfClasses, keptClasses, LONG_TAIL_PRESETS, longTailPool, selectSamples } from '../data/longTail';
import { deriveSeed } from '../state/random';
import { CliUsageError } from './cliError';
import { cutPool, holdOutDigitsTest, type DataPart } from './cutData';
import { checkLabelBudget } from './resolveSettings';
import type { TrainSettings } from './trainOptions';

export type { DataPart } from './cutData';

/** A data set cut into the parts a run uses. */
export interface PreparedData {
  labeled: DataPart;
  unlabeled: DataPart;
  validation: DataPart;
  test: DataPart;
  numClasses: number;
  classNames: string[];
  /** [H, W, C] of every image. */
  shape: [number, number, number];
  /** Per-channel normalisation applied after augmentation (ISIC), or none. */
  normalization?: { mean: readonly number[]; std: readonly number[] };
  /** One line for the report: sizes of each part. */
  summary: string;
}

function classCounts(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const y of labels) counts[y]++;
  return counts;
}

const allIndices = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/**
 * Loads the data set of `settings` and cuts it. ISIC 2018 uses TEAR's split files for `budget`.
 * The others get a class-balanced split seeded by settings.seed: `labels` labeled, `validation`
 * validation, the rest unlabeled; digits has no test split, so a class-balanced test set of
 * `settings.test` images is held out first with a fixed seed (the same for every --seed).
 */
export async function prepareData(settings: TrainSettings): Promise<PreparedData> {
  if (settings.dataset === 'isic2018') return prepareIsic(settings);
  const { dataset } = settings;
  let pool: ImageDataset;
  let poolIndices: Int32Array;
  let test: DataPart;
  if (dataset === 'digits') {
    const digits = await loadDigits();
    const perClass = Math.min(...classCounts(digits.labels, digits.numClasses));
    if (Math.ceil((settings.test as number) / digits.numClasses) >= perClass) {
      throw new CliUsageError(`--test ${settings.test} is too large: digits has ${perClass} images in its smallest class, and a class-balanced test set of ` +
        `${settings.test} takes ${Math.ceil((settings.test as number) / digits.numClasses)} of each, leaving none for training`);
    }
    pool = digits;
    ({ poolIndices, test } = holdOutDigitsTest(digits, settings.test as number));
  } else {
    const dir = settings.data as string;
    const loaded = dataset === 'cifar10' ? await loadCifar10(dir) : await loadIdx(dir, { kind: dataset });
    pool = loaded.train;
    poolIndices = allIndices(pool.labels.length);
    test = { dataset: loaded.test, indices: allIndices(loaded.test.labels.length) };
  }
  const tail = longTailOf(settings, pool.numClasses);
  if (tail !== undefined) ({ pool, poolIndices, test } = longTailed(pool, poolIndices, test, tail, settings));
  const allocation = tail === undefined ? 'balanced' : 'stratified';
  const poolLabels = Int32Array.from(poolIndices, (i) => pool.labels[i]);
  checkLabelBudget(settings, classCounts(poolLabels, pool.numClasses), pool.classNames, allocation);
  const prepared = {
    ...cutPool(pool, poolIndices, { labels: settings.labels as number, validation: settings.validation, seed: settings.seed, dataset, allocation }),
    test,
    numClasses: pool.numClasses,
    classNames: pool.classNames,
    shape: pool.shape,
  };
  checkParts(settings, prepared);
  const how = tail === undefined ? `class-balanced split, seed ${settings.seed}`
    : `long-tailed pool ${tail.counts.filter((n) => n > 0).join('/')}${settings.longTail ? ` (--long-tail ${settings.longTail})` : ''}, stratified split, seed ${settings.seed}`;
  return { ...prepared, summary: describe(dataset, prepared, how) };
}

/** Purpose of deriveSeed for the long-tailed pool draw, apart from the split's own seeds. */
const LONG_TAIL_SEED = 0x7a11;

/** The per-class counts and names of --class-counts or --long-tail, checked against the data set; undefined when neither is set. */
export function longTailOf(settings: TrainSettings, numClasses: number): { counts: number[]; classNames?: readonly string[] } | undefined {
  if (settings.longTail !== undefined) {
    const preset = LONG_TAIL_PRESETS[settings.longTail];
    if (preset.dataset !== settings.dataset) {
      throw new CliUsageError(`--long-tail ${settings.longTail} is a shape for --dataset ${preset.dataset}, not ${settings.dataset}; use --class-counts for other data sets`);
    }
    return { counts: [...preset.counts], classNames: preset.classNames };
  }
  if (settings.classCounts === undefined) return undefined;
  const counts = settings.classCounts;
  if (counts.length !== numClasses) {
    throw new CliUsageError(`--class-counts has ${counts.length} entries, but ${settings.dataset} has ${numClasses} classes: give one count per class (0 drops a class)`);
  }
  if (keptClasses(counts).length < 2) throw new CliUsageError('--class-counts must keep at least two classes (counts > 0)');
  return { counts };
}

/**
 * Cuts the pool to `tail.counts` images per class (drawn from the seed) and drops the classes with count 0
 * from pool and test; the kept classes are renumbered 0..k−1 in their original order.
 */
function longTailed(
  pool: ImageDataset, poolIndices: Int32Array, test: DataPart, tail: { counts: number[]; classNames?: readonly string[] }, settings: TrainSettings,
): { pool: ImageDataset; poolIndices: Int32Array; test: DataPart } {
  const classes = keptClasses(tail.counts);
  const poolLabels = Int32Array.from(poolIndices, (i) => pool.labels[i]);
  const have = classCounts(poolLabels, pool.numClasses);
  tail.counts.forEach((n, c) => {
    if (n > have[c]) {
      throw new CliUsageError(`--${settings.longTail ? 'long-tail' : 'class-counts'}: class ${c} ('${pool.classNames[c] ?? c}') has ${have[c]} training images, ${n} asked for`);
    }
  });
  const chosen = longTailPool(poolLabels, tail.counts, deriveSeed(settings.seed, LONG_TAIL_SEED), pool.numClasses);
  const subsetPool = selectSamples(pool, Int32Array.from(chosen, (k) => poolIndices[k]), classes, tail.classNames);
  const testLabels = Int32Array.from(test.indices, (i) => test.dataset.labels[i]);
  const testKept = Int32Array.from(indicesOfClasses(testLabels, classes), (k) => test.indices[k]);
  const subsetTest = selectSamples(test.dataset, testKept, classes, tail.classNames);
  return { pool: subsetPool, poolIndices: allIndices(subsetPool.labels.length), test: { dataset: subsetTest, indices: allIndices(subsetTest.labels.length) } };
}

/**
 * Every part a run reads must hold images: no test set means metrics of 0 images (AUC NaN); no unlabeled
 * images leave a semi-supervised method nothing to learn from.
 */
function checkParts(settings: TrainSettings, p: Omit<PreparedData, 'summary' | 'normalization'>): void {
  const where = settings.data ?? settings.dataset;
  if (p.test.indices.length === 0) throw new DataFormatError(where, 'the test set holds no images');
  if (p.labeled.indices.length === 0) throw new DataFormatError(where, 'the labeled set holds no images');
  if (settings.method !== 'supervised' && p.unlabeled.indices.length === 0) {
    throw new CliUsageError(`--labels ${settings.labels ?? settings.budget} and --validation ${settings.validation} leave no unlabeled images for method ${settings.method}`);
  }
}

/** The TEAR split files shipped with tear-ssl (examples/isic2018/splits). */
export function isicSplitsDir(): string {
  return join(packageRoot(), 'examples', 'isic2018', 'splits');
}

async function prepareIsic(settings: TrainSettings): Promise<PreparedData> {
  const data = await loadIsic2018({
    imagesDir: settings.data as string,
    splitsDir: isicSplitsDir(),
    budget: settings.budget as Isic2018Budget,
    cacheDir: join('.tear-cache', 'isic2018'),
  });
  const whole = (dataset: ImageDataset): DataPart => ({ dataset, indices: allIndices(dataset.labels.length) });
  const prepared = {
    labeled: whole(data.labeled),
    unlabeled: whole(data.unlabeled),
    validation: whole(data.validation),
    test: whole(data.test),
    numClasses: data.labeled.numClasses,
    classNames: data.labeled.classNames,
    shape: data.labeled.shape,
    normalization: ISIC2018_NORMALIZATION,
  };
  checkParts(settings, prepared);
  return { ...prepared, summary: describe('isic2018', prepared, `TEAR split files, budget ${settings.budget}`) };
}

function describe(name: string, p: Omit<PreparedData, 'summary'>, how: string): string {
  return `${name}: ${p.labeled.indices.length} labeled, ${p.unlabeled.indices.length} unlabeled, ${p.validation.indices.length} validation, ` +
    `${p.test.indices.length} test images of ${p.shape.join('×')}, ${p.numClasses} classes (${how})`;
}
