import { DataFormatError } from './errors';
import type { ImageDataset } from './types';

const PIXELS = 64;
const MAX_PIXEL = 16;
const NUM_CLASSES = 10;

/**
 * Parses the UCI optical-recognition digits CSV (pure, no I/O, browser-safe): one row per image, 64
 * integer pixels 0..16 in row-major order, then the label 0..9. Pixels are scaled by 1/16 → images in
 * [0, 1], shape [8, 8, 1]. `source` names the file in errors (DataFormatError with the line).
 */
export function parseDigitsCsv(text: string, source: string): ImageDataset {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const n = lines.length;
  if (n === 0) throw new DataFormatError(source, 'no data rows');
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const line = row + 1;
    const fields = lines[row].replace(/\r$/, '').split(',');
    if (fields.length !== PIXELS + 1) {
      throw new DataFormatError(source, `expected ${PIXELS + 1} comma-separated integers (64 pixels, then the label), got ${fields.length}`, { line });
    }
    for (let col = 0; col <= PIXELS; col++) {
      const field = fields[col].trim();
      if (!/^[+-]?\d+$/.test(field)) {
        throw new DataFormatError(source, `column ${col + 1}: '${field}' is not an integer`, { line });
      }
      const value = Number(field);
      if (col < PIXELS) {
        if (value < 0 || value > MAX_PIXEL) {
          throw new DataFormatError(source, `column ${col + 1}: pixel ${value} is out of range 0..${MAX_PIXEL}`, { line });
        }
        images[row * PIXELS + col] = value / MAX_PIXEL;
      } else {
        if (value < 0 || value >= NUM_CLASSES) {
          throw new DataFormatError(source, `column ${col + 1}: label ${value} is out of range 0..${NUM_CLASSES - 1}`, { line });
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
