import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { check, checkNumber } from '../util/checks';
import { decodeResizedRgb } from './decodeImage';
import { DataFormatError } from './errors';
import { readImageCache, writeImageCache, type ImageCacheKey } from './imageCache';
import { readIsicGroundTruth } from './isicGroundTruth';
import { readDataFile } from './readFile';
import { ISIC2018_CLASS_NAMES, imagePathInside, readIsicSplitFile, type IsicSplitEntry } from './isicSplitFile';
import { ISIC2018_POOL_FILE, deriveIsicUnlabeledSplit } from './isicUnlabeledSplit';
import type { ImageDataset } from './types';
import { ISIC2018_BUDGETS, type Isic2018Budget } from './isicBudgets';

/** Per-channel (R, G, B) mean and std of the ISIC 2018 images in [0, 1], as used by TEAR: x̂ = (x − mean)/std. */
export const ISIC2018_NORMALIZATION = {
  mean: [0.2143, 0.2146, 0.2150] as const,
  std: [0.3269, 0.3270, 0.3273] as const,
};

export { ISIC2018_BUDGETS, type Isic2018Budget } from './isicBudgets';

/** Options of loadIsic2018. */
export interface LoadIsic2018Options {
  /** Folder holding the ISIC 2018 Task 3 training JPEGs (`ISIC_0024306.jpg`, …). */
  imagesDir: string;
  /**
   * Folder holding TEAR's split files: Train<N>.txt, Val.txt, Test.txt, and Train_unl<N>.txt or, in
   * its place, Train_pool.txt (what tear-ssl ships; the unlabeled list is derived from it).
   */
  splitsDir: string;
  budget: Isic2018Budget;
  /** Optional official ground-truth CSV; when given, every listed image must be in it with the same class. */
  groundTruthCsv?: string;
  /** Side of the square the images are resized to (default 128). */
  size?: number;
  /** Folder for the resized-image cache; without it every call decodes all JPEGs again. */
  cacheDir?: string;
  /** Called after each decoded image (not called when the cache is used). */
  onProgress?: (done: number, total: number) => void;
}

/** The four parts loadIsic2018 returns, each an ImageDataset with ids. */
export interface Isic2018Data {
  labeled: ImageDataset;
  unlabeled: ImageDataset;
  validation: ImageDataset;
  test: ImageDataset;
}

type Part = keyof Isic2018Data;

interface LocatedEntry extends IsicSplitEntry {
  splitFile: string;
  path: string;
}

/**
 * Loads ISIC 2018 Task 3 with TEAR's splits for a labeled budget: labeled = Train<budget>.txt,
 * unlabeled = Train_unl<budget>.txt (labels kept, for diagnostics), validation = Val.txt, test = Test.txt.
 * Without Train_unl<budget>.txt the unlabeled list is derived from Train_pool.txt (deriveIsicUnlabeledSplit).
 * JPEGs are decoded one at a time with sharp and resized to size×size RGB; the resized uint8 pixels of
 * all listed images are cached in `cacheDir` (one file shared by every budget). Images in [0, 1], shape
 * [size, size, 3], 7 classes, `ids` = image ids. Normalise with ISIC2018_NORMALIZATION.
 */
export async function loadIsic2018(options: LoadIsic2018Options): Promise<Isic2018Data> {
  const fn = 'loadIsic2018';
  check(options !== null && typeof options === 'object', fn, () => 'argument \'options\' must be an object');
  const { imagesDir, splitsDir, budget, groundTruthCsv, size = 128, cacheDir, onProgress } = options;
  check(typeof imagesDir === 'string' && imagesDir !== '', fn, () => 'option \'imagesDir\' must be a folder path');
  check(typeof splitsDir === 'string' && splitsDir !== '', fn, () => 'option \'splitsDir\' must be a folder path');
  check((ISIC2018_BUDGETS as readonly number[]).includes(budget), fn, () => `option 'budget' must be one of ${ISIC2018_BUDGETS.join(', ')}, got ${String(budget)}`);
  checkNumber(size, 'size', fn, { min: 1, max: 4096, integer: true });

  const splitFiles: Record<Part, string> = {
    labeled: join(splitsDir, `Train${budget}.txt`),
    unlabeled: join(splitsDir, `Train_unl${budget}.txt`),
    validation: join(splitsDir, 'Val.txt'),
    test: join(splitsDir, 'Test.txt'),
  };
  const parts = Object.keys(splitFiles) as Part[];
  const entries = {} as Record<Part, LocatedEntry[]>;
  const byId = new Map<string, LocatedEntry>();
  const derivedUnlabeled = !existsSync(splitFiles.unlabeled) && existsSync(join(splitsDir, ISIC2018_POOL_FILE));
  if (derivedUnlabeled) splitFiles.unlabeled = join(splitsDir, ISIC2018_POOL_FILE);
  for (const part of parts) {
    const splitFile = splitFiles[part];
    let listed = await readIsicSplitFile(splitFile);
    if (part === 'unlabeled' && derivedUnlabeled) listed = deriveIsicUnlabeledSplit(listed, entries.labeled, budget);
    entries[part] = listed.map((entry) => {
      const located = { ...entry, splitFile, path: imagePathInside(imagesDir, entry, splitFile) };
      const other = byId.get(entry.id);
      if (other !== undefined) {
        throw new DataFormatError(splitFile, `image ${entry.fileName} is also listed in ${other.splitFile}:${other.line}`, { line: entry.line });
      }
      byId.set(entry.id, located);
      return located;
    });
  }

  if (groundTruthCsv !== undefined) {
    const truth = await readIsicGroundTruth(groundTruthCsv);
    for (const entry of byId.values()) {
      const row = truth.get(entry.id);
      if (row === undefined) throw new DataFormatError(entry.splitFile, `image ${entry.id} is not in the ground truth ${groundTruthCsv}`, { line: entry.line });
      if (row.label !== entry.label) {
        throw new DataFormatError(entry.splitFile, `image ${entry.id} is ${ISIC2018_CLASS_NAMES[entry.label]} here but ${ISIC2018_CLASS_NAMES[row.label]} in ${groundTruthCsv}:${row.line}`, { line: entry.line });
      }
    }
  }

  for (const part of parts) {
    if (entries[part].length === 0) throw new DataFormatError(splitFiles[part], `lists no images: the ${part} part would be empty`);
  }

  const ids = [...byId.keys()].sort();
  const located = ids.map((id) => byId.get(id) as LocatedEntry);
  let pixels: Uint8Array | undefined;
  let key: ImageCacheKey | undefined;
  if (cacheDir !== undefined) {
    // The cache is keyed by the images' contents, read after every listed image is found: a replaced or deleted image is never served from it.
    key = { name: 'isic2018', ids, height: size, width: size, channels: 3, contents: await contentFingerprint(located) };
    pixels = await readImageCache(cacheDir, key);
  }
  if (pixels === undefined) {
    pixels = await decodeAll(located, size, onProgress);
    if (cacheDir !== undefined && key !== undefined) await writeImageCache(cacheDir, key, pixels);
  }
  const row = new Map(ids.map((id, i) => [id, i]));
  const imageBytes = size * size * 3;
  const assemble = (list: LocatedEntry[]): ImageDataset => {
    const images = new Float32Array(list.length * imageBytes);
    for (const [i, entry] of list.entries()) {
      const start = (row.get(entry.id) as number) * imageBytes;
      for (let k = 0; k < imageBytes; k++) images[i * imageBytes + k] = (pixels as Uint8Array)[start + k] / 255;
    }
    return {
      images,
      labels: Int32Array.from(list, (e) => e.label),
      shape: [size, size, 3],
      numClasses: ISIC2018_CLASS_NAMES.length,
      classNames: ISIC2018_CLASS_NAMES.slice(),
      ids: list.map((e) => e.id),
    };
  };
  return { labeled: assemble(entries.labeled), unlabeled: assemble(entries.unlabeled), validation: assemble(entries.validation), test: assemble(entries.test) };
}

/** Throws a DataFormatError naming the split file and line of the first listed image that is missing. */
async function checkImagesExist(list: LocatedEntry[]): Promise<void> {
  for (const entry of list) {
    try {
      await access(entry.path);
    } catch {
      throw new DataFormatError(entry.splitFile, `image ${entry.fileName} not found: ${entry.path}`, { line: entry.line });
    }
  }
}

/** SHA-256 over the SHA-256 of each image file's bytes, in list order (after checking every image exists). */
async function contentFingerprint(list: LocatedEntry[]): Promise<string> {
  await checkImagesExist(list);
  const all = createHash('sha256');
  for (const entry of list) all.update(createHash('sha256').update(await readDataFile(entry.path)).digest());
  return all.digest('hex');
}

/** Checks every image exists (naming the split file and line of a missing one), then decodes them one at a time. */
async function decodeAll(list: LocatedEntry[], size: number, onProgress?: (done: number, total: number) => void): Promise<Uint8Array> {
  await checkImagesExist(list);
  const imageBytes = size * size * 3;
  const pixels = new Uint8Array(list.length * imageBytes);
  for (const [i, entry] of list.entries()) {
    pixels.set(await decodeResizedRgb(entry.path, size, ` listed in ${entry.splitFile}:${entry.line}`), i * imageBytes);
    onProgress?.(i + 1, list.length);
  }
  return pixels;
}
