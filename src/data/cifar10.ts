import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError } from './errors';
import { readDataFile } from './readFile';
import type { ImageDataset } from './types';

/** CIFAR-10 class names, by label. */
export const CIFAR10_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXEL_BYTES = 3 * PLANE;
const RECORD_BYTES = 1 + PIXEL_BYTES;
const TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const TEST_FILES = ['test_batch.bin'];

async function readBatchFiles(dir: string, names: string[]): Promise<ImageDataset> {
  const files = names.map((name) => join(dir, name));
  const contents: Uint8Array[] = [];
  for (const file of files) {
    const bytes = await readDataFile(file);
    if (bytes.length === 0) throw new DataFormatError(file, `file is empty (0 bytes): a CIFAR-10 batch holds ${RECORD_BYTES}-byte records (1 label + 3072 pixels)`, { offset: 0 });
    if (bytes.length % RECORD_BYTES !== 0) {
      const whole = Math.floor(bytes.length / RECORD_BYTES);
      throw new DataFormatError(file, `length ${bytes.length} is not a multiple of the ${RECORD_BYTES}-byte record (1 label + 3072 pixels): record ${whole} is cut short`, { offset: whole * RECORD_BYTES });
    }
    contents.push(bytes);
  }
  const n = contents.reduce((sum, bytes) => sum + bytes.length / RECORD_BYTES, 0);
  const images = new Float32Array(n * PIXEL_BYTES);
  const labels = new Int32Array(n);
  let sample = 0;
  for (const [f, bytes] of contents.entries()) {
    for (let r = 0; r < bytes.length / RECORD_BYTES; r++, sample++) {
      const base = r * RECORD_BYTES;
      const label = bytes[base];
      if (label > 9) throw new DataFormatError(files[f], `record ${r}: label ${label} is out of range 0..9`, { offset: base });
      labels[sample] = label;
      // channel-planar (R plane, G plane, B plane; each row-major 32×32) → NHWC
      const out = sample * PIXEL_BYTES;
      for (let p = 0; p < PLANE; p++) {
        for (let c = 0; c < 3; c++) images[out + 3 * p + c] = bytes[base + 1 + c * PLANE + p] / 255;
      }
    }
  }
  return { images, labels, shape: [SIDE, SIDE, 3], numClasses: 10, classNames: CIFAR10_CLASS_NAMES.slice() };
}

/**
 * Loads CIFAR-10's binary version from `dir` (or its `cifar-10-batches-bin` subfolder): data_batch_1..5.bin
 * (train) and test_batch.bin (test), each a run of 3073-byte records: 1 label byte, then 1024 red,
 * 1024 green and 1024 blue bytes (row-major 32×32). Returns NHWC images in [0, 1], shape [32, 32, 3].
 */
export async function loadCifar10(dir: string): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const nested = join(dir, 'cifar-10-batches-bin');
  const root = !existsSync(join(dir, TEST_FILES[0])) && existsSync(join(nested, TEST_FILES[0])) ? nested : dir;
  const train = await readBatchFiles(root, TRAIN_FILES);
  const test = await readBatchFiles(root, TEST_FILES);
  return { train, test };
}
