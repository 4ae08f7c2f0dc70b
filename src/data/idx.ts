import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError } from './errors';
import { gunzipIfNeeded, isGzip } from './gzip';
import { readDataFile } from './readFile';
import type { ImageDataset } from './types';

/** Which IDX data set loadIdx reads (file names and class names). */
export type IdxKind = 'fashion-mnist' | 'mnist';

/** Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
/** MNIST class names (the digits), by label. */
export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** IDX magic numbers: 0x0000 08 0d (unsigned bytes, d dimensions). */
const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;
const NUM_CLASSES = 10;
/** Largest IDX file accepted after gunzip (MNIST's training images are 47 MB): a gzip bomb stops here. */
const MAX_IDX_BYTES = 512 * 2 ** 20;

interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes: a big-endian uint32 magic (0x0000 08 0d), d big-endian uint32
 * dimension sizes, then the values. Checks the magic and that the length equals header + ∏dims.
 */
function parseIdx(raw: Uint8Array, file: string, expectedMagic: number): IdxArray {
  const bytes = gunzipIfNeeded(raw, file, { maxBytes: MAX_IDX_BYTES });
  const after = isGzip(raw) ? ' after gunzip' : '';
  if (bytes.length < 4) throw new DataFormatError(file, `truncated header: ${bytes.length} bytes${after}, an IDX file starts with a 4-byte magic number`, { offset: 0 });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw new DataFormatError(file, `magic number ${magic}, expected ${expectedMagic} (${expectedMagic === IMAGES_MAGIC ? 'IDX images: unsigned bytes, 3 dimensions' : 'IDX labels: unsigned bytes, 1 dimension'})`, { offset: 0 });
  }
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(file, `truncated header: expected ${headerBytes} bytes, got ${bytes.length}${after}`, { offset: bytes.length });
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated file' : 'trailing data';
    throw new DataFormatError(file, `${what}: dimensions [${dims.join(', ')}] need ${expected} bytes, got ${bytes.length}${after}`, { offset: Math.min(bytes.length, expected) });
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** The first of `<prefix>-<part>-idxN-ubyte`, `<prefix>-<part>.idxN-ubyte`, each with or without .gz, that exists in `dir`. */
function findIdxFile(dir: string, prefix: string, part: 'images' | 'labels'): string {
  const rank = part === 'images' ? 3 : 1;
  const candidates = [`${prefix}-${part}-idx${rank}-ubyte`, `${prefix}-${part}.idx${rank}-ubyte`]
    .flatMap((name) => [`${name}.gz`, name])
    .map((name) => join(dir, name));
  const found = candidates.find((file) => existsSync(file));
  if (found === undefined) throw new DataFormatError(dir, `no ${prefix} ${part} file: looked for ${candidates.map((c) => c.slice(dir.length + 1)).join(', ')}`);
  return found;
}

async function loadIdxPair(dir: string, prefix: 'train' | 't10k', classNames: string[]): Promise<ImageDataset> {
  const imagesFile = findIdxFile(dir, prefix, 'images');
  const labelsFile = findIdxFile(dir, prefix, 'labels');
  const images = parseIdx(await readDataFile(imagesFile), imagesFile, IMAGES_MAGIC);
  const labels = parseIdx(await readDataFile(labelsFile), labelsFile, LABELS_MAGIC);
  const [n, rows, cols] = images.dims;
  if (n === 0) throw new DataFormatError(imagesFile, 'holds no images (dimension 0 is 0)', { offset: 4 });
  if (rows === 0 || cols === 0) throw new DataFormatError(imagesFile, `images are ${rows}×${cols}: an image needs at least one row and one column`, { offset: 8 });
  if (labels.dims[0] !== n) {
    throw new DataFormatError(labelsFile, `${labels.dims[0]} labels but ${imagesFile} holds ${n} images`, { offset: 4 });
  }
  const labelArray = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = labels.data[i];
    if (label >= NUM_CLASSES) {
      throw new DataFormatError(labelsFile, `label ${label} of sample ${i} is out of range 0..${NUM_CLASSES - 1}`, { offset: 8 + i });
    }
    labelArray[i] = label;
  }
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  return { images: pixels, labels: labelArray, shape: [rows, cols, 1], numClasses: NUM_CLASSES, classNames: classNames.slice() };
}

/**
 * Loads MNIST or Fashion-MNIST from the four IDX files in `dir` (train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each gzipped or not,
 * detected by the 0x1f8b magic). Pixels /255 → [0, 1], shape [rows, cols, 1] (28×28 for both sets).
 */
export async function loadIdx(dir: string, options: { kind: IdxKind }): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const kind = options?.kind;
  if (kind !== 'fashion-mnist' && kind !== 'mnist') {
    throw new DataFormatError(dir, `unknown IDX data set kind '${String(kind)}', expected 'fashion-mnist' or 'mnist'`);
  }
  const classNames = kind === 'fashion-mnist' ? FASHION_MNIST_CLASS_NAMES : MNIST_CLASS_NAMES;
  const train = await loadIdxPair(dir, 'train', classNames);
  const test = await loadIdxPair(dir, 't10k', classNames);
  if (train.shape.some((d, i) => d !== test.shape[i])) {
    throw new DataFormatError(findIdxFile(dir, 't10k', 'images'), `test images are ${test.shape[0]}×${test.shape[1]}, the training images ${train.shape[0]}×${train.shape[1]}: both must have one size`, { offset: 8 });
  }
  return { train, test };
}
