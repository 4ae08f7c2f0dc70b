import { DataFormatError } from './errors';
import { gunzipIfNeeded } from './gzip';
import { packageDataPath } from './packageRoot';
import { readDataFile } from './readFile';
import type { ImageDataset } from './types';

const PIXELS = 64;
const MAX_PIXEL = 16;
const NUM_CLASSES = 10;

/** The embedded digits file shipped in the package (data/digits.csv.gz). */
export function defaultDigitsPath(): string {
  return packageDataPath('digits.csv.gz');
}

/**
 * Loads the UCI optical-recognition digits (1797 images of 8×8, 10 classes) from a CSV, gzipped or not:
 * one row per image, 64 integer pixels 0..16 in row-major order, then the label 0..9.
 * Pixels are scaled by 1/16 → images in [0, 1], shape [8, 8, 1].
 * Default path: the package's own data/digits.csv.gz.
 */
export async function loadDigits(path: string = defaultDigitsPath()): Promise<ImageDataset> {
  const text = new TextDecoder().decode(gunzipIfNeeded(await readDataFile(path), path));
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const n = lines.length;
  if (n === 0) throw new DataFormatError(path, 'no data rows');
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const line = row + 1;
    const fields = lines[row].replace(/\r$/, '').split(',');
    if (fields.length !== PIXELS + 1) {
      throw new DataFormatError(path, `expected ${PIXELS + 1} comma-separated integers (64 pixels, then the label), got ${fields.length}`, { line });
    }
    for (let col = 0; col <= PIXELS; col++) {
      const field = fields[col].trim();
      if (!/^[+-]?\d+$/.test(field)) {
        throw new DataFormatError(path, `column ${col + 1}: '${field}' is not an integer`, { line });
      }
      const value = Number(field);
      if (col < PIXELS) {
        if (value < 0 || value > MAX_PIXEL) {
          throw new DataFormatError(path, `column ${col + 1}: pixel ${value} is out of range 0..${MAX_PIXEL}`, { line });
        }
        images[row * PIXELS + col] = value / MAX_PIXEL;
      } else {
        if (value < 0 || value >= NUM_CLASSES) {
          throw new DataFormatError(path, `column ${col + 1}: label ${value} is out of range 0..${NUM_CLASSES - 1}`, { line });
        }
        labels[row] = value;
      }
    }
  }
  return {
    images,
    labels,
    shape: [8, 8, 1],
    numClasses: NUM_CLASSES,
    classNames: Array.from({ length: NUM_CLASSES }, (_, c) => String(c)),
  };
}
