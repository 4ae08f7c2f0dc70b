import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../src/cli/cliError';
import { prepareData } from '../../src/cli/prepareData';
import { resolveTrainSettings } from '../../src/cli/resolveSettings';

/** A CIFAR-10 binary folder with `perFile` records per training file (label = record index mod 10). */
function fakeCifar(perFile: number, testRecords: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'tear-cli-cifar-'));
  mkdirSync(dir, { recursive: true });
  const file = (n: number) => {
    const bytes = new Uint8Array(n * 3073);
    for (let r = 0; r < n; r++) {
      bytes[r * 3073] = r % 10;
      bytes.fill(r % 256, r * 3073 + 1, (r + 1) * 3073);
    }
    return bytes;
  };
  for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), file(perFile));
  writeFileSync(join(dir, 'test_batch.bin'), file(testRecords));
  return dir;
}

const disjoint = (...parts: Int32Array[]) => new Set(parts.flatMap((p) => Array.from(p))).size === parts.reduce((n, p) => n + p.length, 0);

describe('prepareData', () => {
  it('digits: 360 test images held out (36 per class) with the same set for every seed; the rest split class-balanced', async () => {
    const a = await prepareData(resolveTrainSettings({ dataset: 'digits', labels: '50', validation: '100', seed: '1' }));
    const b = await prepareData(resolveTrainSettings({ dataset: 'digits', labels: '50', validation: '100', seed: '2' }));
    expect([a.labeled.indices.length, a.validation.indices.length, a.test.indices.length, a.unlabeled.indices.length]).toEqual([50, 100, 360, 1287]);
    expect(disjoint(a.labeled.indices, a.validation.indices, a.test.indices, a.unlabeled.indices)).toBe(true);
    expect(Array.from(a.test.indices)).toEqual(Array.from(b.test.indices));
    expect(Array.from(a.labeled.indices)).not.toEqual(Array.from(b.labeled.indices));
    const perClass = new Array(10).fill(0);
    for (const i of a.test.indices) perClass[a.test.dataset.labels[i]]++;
    expect(perClass).toEqual(new Array(10).fill(36));
    expect(a.summary).toBe('digits: 50 labeled, 1287 unlabeled, 100 validation, 360 test images of 8×8×1, 10 classes (class-balanced split, seed 1)');
  });

  it('cifar10: splits the training files, tests on test_batch.bin', async () => {
    const dir = fakeCifar(20, 10);
    const p = await prepareData(resolveTrainSettings({ dataset: 'cifar10', data: dir, labels: '20', validation: '10' }));
    expect([p.labeled.indices.length, p.validation.indices.length, p.unlabeled.indices.length, p.test.indices.length]).toEqual([20, 10, 70, 10]);
    expect(p.shape).toEqual([32, 32, 3]);
    expect(p.labeled.dataset).toBe(p.unlabeled.dataset);
    expect(p.test.dataset).not.toBe(p.labeled.dataset);
    expect(p.normalization).toBeUndefined();
  });

  it('refuses more labels than the smallest class allows, before training', async () => {
    const dir = fakeCifar(20, 10); // 10 images per class
    const settings = resolveTrainSettings({ dataset: 'cifar10', data: dir, labels: '100', validation: '10' });
    await expect(prepareData(settings)).rejects.toThrow(CliUsageError);
    await expect(prepareData(settings)).rejects.toThrow(
      "--labels 100 is larger than the class-balanced budget allows for cifar10: the smallest class ('airplane') has 10 training images and 1 of them go to validation, so at most 90 labels (9 per class)");
  });
});
