import { join } from 'node:path';
import { ISIC2018_NORMALIZATION, loadCifar10, loadDigits, loadIdx, loadIsic2018, type ImageDataset, type Isic2018Budget } from '../data/index';
import { packageRoot } from '../data/packageRoot';
import { DataFormatError } from '../data/errors';
import { CliUsageError } from './cliError';
import { cutPool, holdOutDigitsTest } from './cutData';
import { checkLabelBudget } from './resolveSettings';
import type { TrainSettings } from './trainOptions';

/** Some samples of a data set. */
export interface DataPart {
  dataset: ImageDataset;
  indices: Int32Array;
}

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
  const poolLabels = Int32Array.from(poolIndices, (i) => pool.labels[i]);
  checkLabelBudget(settings, classCounts(poolLabels, pool.numClasses), pool.classNames);
  const prepared = {
    ...cutPool(pool, poolIndices, { labels: settings.labels as number, validation: settings.validation, seed: settings.seed, dataset }),
    test,
    numClasses: pool.numClasses,
    classNames: pool.classNames,
    shape: pool.shape,
  };
  checkParts(settings, prepared);
  return { ...prepared, summary: describe(dataset, prepared, `class-balanced split, seed ${settings.seed}`) };
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
