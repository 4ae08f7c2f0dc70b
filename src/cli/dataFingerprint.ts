import { createHash } from 'node:crypto';
import type { ImageDataset } from '../data/types';
import type { DataPart, PreparedData } from './prepareData';

/**
 * SHA-256 (hex) of what a run trains and is evaluated on: for each part (labeled, unlabeled,
 * validation, test) its sample indices, and for each distinct data set its shape, class count,
 * labels and image values (float32 bytes). Two runs have the same fingerprint exactly when they see
 * the same images with the same labels cut the same way, wherever the files lie. Written to run.json
 * and into every checkpoint; resume and eval refuse data with another fingerprint.
 */
export function dataFingerprint(data: Pick<PreparedData, 'labeled' | 'unlabeled' | 'validation' | 'test'>): string {
  const hash = createHash('sha256');
  const datasets = new Map<ImageDataset, number>();
  const parts: Array<[string, DataPart]> = [['labeled', data.labeled], ['unlabeled', data.unlabeled], ['validation', data.validation], ['test', data.test]];
  for (const [, part] of parts) if (!datasets.has(part.dataset)) datasets.set(part.dataset, datasets.size);
  hash.update('tear-ssl data fingerprint v1\n');
  for (const [dataset, id] of datasets) {
    hash.update(`dataset ${id} shape ${dataset.shape.join('x')} classes ${dataset.numClasses} samples ${dataset.labels.length}\n`);
    hash.update(bytesOf(dataset.labels));
    hash.update(bytesOf(dataset.images));
  }
  for (const [name, part] of parts) {
    hash.update(`part ${name} of dataset ${datasets.get(part.dataset)}: ${part.indices.length}\n`);
    hash.update(bytesOf(part.indices));
  }
  return hash.digest('hex');
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
