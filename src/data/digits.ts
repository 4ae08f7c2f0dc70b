import { parseDigitsCsv } from './digitsCsv';
import { gunzipIfNeeded } from './gzip';
import { packageDataPath } from './packageRoot';
import { readDataFile } from './readFile';
import type { ImageDataset } from './types';

/** The embedded digits file shipped in the package (data/digits.csv.gz). */
export function defaultDigitsPath(): string {
  return packageDataPath('digits.csv.gz');
}

/**
 * Loads the UCI optical-recognition digits (1797 images of 8×8, 10 classes) from a CSV, gzipped or not
 * (format: `parseDigitsCsv`). Default path: the package's own data/digits.csv.gz.
 */
export async function loadDigits(path: string = defaultDigitsPath()): Promise<ImageDataset> {
  return parseDigitsCsv(new TextDecoder().decode(gunzipIfNeeded(await readDataFile(path), path)), path);
}
