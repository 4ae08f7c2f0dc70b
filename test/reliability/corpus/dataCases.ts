import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCifar10 } from '../../../src/data/cifar10';
import { cli, idxBytes, idxFixture, writeFolder } from '../helpers';
import { judgeApiOk, judgeCliError, judgeCliOk, type Case } from './judge';

const IDX_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** `tear-ssl train` on an MNIST-style folder: 1 step, nothing else. */
const mnistTrain = (data: string, out: string) => [
  'train', '--dataset', 'mnist', '--data', data, '--labels', '20', '--validation', '0', '--method', 'fixmatch', '--steps', '1',
  '--batch-size', '4', '--mu', '1', '--checkpoint-every', '0', '--eval-every', '0', '--backend', 'cpu', '--no-progress', '--out', out,
];

/** Byte-level mutations every binary data file gets: [name, mutate]. */
function byteMutations(good: Buffer, headerBytes: number): Array<[string, (b: Buffer) => Buffer]> {
  return [
    ['empty', () => Buffer.alloc(0)],
    ['cut-in-magic', (b) => b.subarray(0, 2)],
    ['cut-in-header', (b) => b.subarray(0, headerBytes - 1)],
    ['cut-in-body', (b) => b.subarray(0, b.length - 7)],
    ['trailing-bytes', (b) => Buffer.concat([b, Buffer.alloc(5)])],
    ['gzip-corrupt', (b) => { const z = gzipSync(b); z.fill(0x55, 10, Math.min(z.length - 8, 40)); return z; }],
    ['gzip-cut', (b) => { const z = gzipSync(b); return z.subarray(0, Math.floor(z.length / 2)); }],
    ['random-bytes', () => Buffer.from(Array.from({ length: good.length }, (_, i) => (i * 7919 + 13) % 256))],
  ];
}

/** Data files (IDX through `tear-ssl train --dataset mnist`, CIFAR-10 through `--dataset cifar10` and loadCifar10). */
export function dataCases(root: string): Case[] {
  const cases: Case[] = [];
  const good = idxFixture();
  let n = 0;
  const idxCase = (id: string, files: Record<string, Buffer | undefined>, expectNames: (dir: string) => string[], extra?: (dir: string) => void): void => {
    cases.push({
      id: `idx/${id}`, group: 'data', via: 'cli',
      run: async () => {
        const dir = join(root, `idx-${n++}`);
        const merged = { ...good, ...files };
        writeFolder(dir, Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<string, Buffer>);
        extra?.(dir);
        return judgeCliError(await cli(mnistTrain(dir, join(dir, 'out'))), 1, expectNames(dir));
      },
    });
  };
  for (const file of IDX_FILES) {
    const header = file.includes('images') ? 16 : 8;
    for (const [name, mutate] of byteMutations(good[file], header)) idxCase(`${file}/${name}`, { [file]: mutate(good[file]) }, (dir) => [join(dir, file)]);
    idxCase(`${file}/missing`, { [file]: undefined }, (dir) => [dir, file]);
    idxCase(`${file}/is-a-directory`, { [file]: undefined }, (dir) => [join(dir, file)], (dir) => mkdirSync(join(dir, file)));
    const other = file.includes('images') ? 2049 : 2051;
    idxCase(`${file}/wrong-magic`, { [file]: Buffer.concat([Buffer.from([0, 0, other >> 8, other & 0xff]), good[file].subarray(4)]) }, (dir) => [join(dir, file), 'magic number']);
  }
  const side = 8;
  idxCase('images-0x0', { 'train-images-idx3-ubyte': idxBytes([60, 0, 0], []) }, (dir) => [join(dir, 'train-images-idx3-ubyte'), '0×0']);
  idxCase('images-none', { 'train-images-idx3-ubyte': idxBytes([0, side, side], []), 'train-labels-idx1-ubyte': idxBytes([0], []) }, (dir) => [join(dir, 'train-images-idx3-ubyte'), 'no images']);
  idxCase('test-other-size', { 't10k-images-idx3-ubyte': idxBytes([20, 7, 7], new Array(20 * 49).fill(3)) }, (dir) => [join(dir, 't10k-images-idx3-ubyte'), '7×7']);
  idxCase('labels-10', { 'train-labels-idx1-ubyte': idxBytes([60], Array.from({ length: 60 }, (_, i) => (i === 17 ? 10 : i % 10))) }, (dir) => [join(dir, 'train-labels-idx1-ubyte'), 'label 10 of sample 17']);
  idxCase('labels-255', { 't10k-labels-idx1-ubyte': idxBytes([20], Array.from({ length: 20 }, (_, i) => (i === 3 ? 255 : i % 10))) }, (dir) => [join(dir, 't10k-labels-idx1-ubyte'), 'label 255']);
  idxCase('labels-fewer-than-images', { 'train-labels-idx1-ubyte': idxBytes([59], Array.from({ length: 59 }, (_, i) => i % 10)) }, (dir) => [join(dir, 'train-labels-idx1-ubyte'), '59 labels']);
  // a class with no images: --labels 20 cannot be class-balanced, a usage error (exit 2)
  cases.push({
    id: 'idx/labels-one-class-missing', group: 'data', via: 'cli',
    run: async () => {
      const dir = writeFolder(join(root, `idx-${n++}`), { ...good, 'train-labels-idx1-ubyte': idxBytes([60], Array.from({ length: 60 }, (_, i) => (i % 10 === 9 ? 8 : i % 10))) });
      return judgeCliError(await cli(mnistTrain(dir, join(dir, 'out'))), 2, ['--labels 20']);
    },
  });
  for (const gz of [false, true]) {
    cases.push({
      id: `idx/valid${gz ? '-gzip' : ''}`, group: 'data', via: 'cli',
      run: async () => {
        const files = Object.fromEntries(Object.entries(good).map(([k, v]) => [gz ? `${k}.gz` : k, gz ? gzipSync(v) : v]));
        const dir = writeFolder(join(root, `idx-${n++}`), files);
        return judgeCliOk(await cli(mnistTrain(dir, join(dir, 'out'))), (r) =>
          r.stdout.includes('data: mnist: 20 labeled, 40 unlabeled, 0 validation, 20 test images of 8×8×1, 10 classes (class-balanced split, seed 0)')
          && r.stdout.some((l) => /^test \(20 images\) after 1 steps: top-1 EMA [\d.]+%/.test(l)) ? undefined : `unexpected output: ${r.stdout.join(' | ')}`);
      },
    });
  }

  // CIFAR-10 binary batches: 1 record per training file, 2 in the test file
  const record = (label: number, seed: number) => {
    const b = Buffer.alloc(3073);
    b[0] = label;
    for (let i = 1; i < 3073; i++) b[i] = (i * 31 + seed) % 256;
    return b;
  };
  const cifar: Record<string, Buffer> = {
    'data_batch_1.bin': record(3, 1), 'data_batch_2.bin': record(1, 2), 'data_batch_3.bin': record(4, 3),
    'data_batch_4.bin': record(1, 4), 'data_batch_5.bin': record(5, 5), 'test_batch.bin': Buffer.concat([record(9, 6), record(2, 7)]),
  };
  const cifarTrain = (data: string) => ['train', '--dataset', 'cifar10', '--data', data, '--labels', '10', '--validation', '0', '--steps', '1',
    '--backend', 'cpu', '--no-progress', '--out', join(data, 'out')];
  const cifarCase = (id: string, file: string, bytes: Buffer | 'missing' | 'directory', names: string[]) => {
    cases.push({
      id: `cifar10/${file}/${id}`, group: 'data', via: 'cli',
      run: async () => {
        const dir = writeFolder(join(root, `cifar-${n++}`), cifar);
        if (bytes === 'missing' || bytes === 'directory') rmSync(join(dir, file));
        if (bytes === 'directory') mkdirSync(join(dir, file));
        else if (bytes !== 'missing') writeFolder(dir, { [file]: bytes });
        return judgeCliError(await cli(cifarTrain(dir)), 1, names.map((s) => s.replace('$DIR', dir)));
      },
    });
  };
  for (const file of Object.keys(cifar)) {
    const path = `$DIR/${file}`;
    cifarCase('empty', file, Buffer.alloc(0), [path, 'empty']);
    cifarCase('cut-record', file, cifar[file].subarray(0, cifar[file].length - 100), [path, 'not a multiple of the 3073-byte record']);
    cifarCase('trailing-byte', file, Buffer.concat([cifar[file], Buffer.alloc(1)]), [path, 'cut short']);
    cifarCase('label-10', file, Buffer.concat([Buffer.from([10]), cifar[file].subarray(1)]), [path, 'label 10 is out of range']);
    cifarCase('label-255', file, Buffer.concat([Buffer.from([255]), cifar[file].subarray(1)]), [path, 'label 255']);
    cifarCase('missing', file, 'missing', [path, 'file not found']);
    cifarCase('directory', file, 'directory', [path, 'EISDIR']);
  }
  cases.push({
    id: 'cifar10/valid (API)', group: 'data', via: 'api',
    run: async () => {
      const dir = writeFolder(join(root, `cifar-${n++}`), cifar);
      return judgeApiOk(() => loadCifar10(dir), ({ train, test }) => {
        const labels = `${Array.from(train.labels).join(',')}|${Array.from(test.labels).join(',')}`;
        if (labels !== '3,1,4,1,5|9,2') return `labels ${labels}`;
        // record 0 of data_batch_1: red plane byte p is (1 + p)·31 + 1 mod 256 → pixel 5, channel 0
        const expected = ((1 + 5) * 31 + 1) % 256 / 255;
        return Math.abs(train.images[5 * 3] - expected) < 1e-6 ? undefined : `pixel ${train.images[15]} ≠ ${expected}`;
      });
    },
  });
  return cases;
}
