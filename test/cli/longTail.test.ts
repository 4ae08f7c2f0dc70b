import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliUsageError } from '../../src/cli/cliError';
import { memoryIo } from '../../src/cli/io';
import { readMetricsLog } from '../../src/cli/metricsLog';
import { prepareData, type DataPart } from '../../src/cli/prepareData';
import { resolveTrainSettings } from '../../src/cli/resolveSettings';
import { runCli } from '../../src/cli/runCli';
import { trainerConfig } from '../../src/cli/trainCommand';
import { resolveTrainerConfig } from '../../src/training/config';
import { readCheckpoint } from '../../src/training/checkpoint';
import { expectNoLeak } from '../helpers/tensors';

const root = mkdtempSync(join(tmpdir(), 'tear-cli-longtail-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Digits pool of 100/50/0/30/20/12/8/6/0/4 images: classes 2 and 8 dropped, 8 kept (renumbered 0..7). */
const COUNTS = '100,50,0,30,20,12,8,6,0,4';
const KEPT_SIZES = [100, 50, 30, 20, 12, 8, 6, 4];
// by hand (largest remainder): 40·n/230 = 17.39, 8.70, 5.22, 3.48, 2.09, 1.39, 1.04, 0.70 → 17, 8, 5, 3, 2, 1, 1, 1 (38),
// the two largest remainders (.70 of 50, .48 of 20) get one more; 16·n/230 = 6.96, 3.48, 2.09, 1.39, .83, .56, .42, .28 → 6, 3, 2, 1, 1, 1, 1, 1 (16)
const LABELED = [17, 9, 5, 4, 2, 1, 1, 1];
const VALIDATION = [6, 3, 2, 1, 1, 1, 1, 1];

const perClass = (part: DataPart, numClasses: number): number[] => {
  const out = new Array<number>(numClasses).fill(0);
  for (const i of part.indices) out[part.dataset.labels[i]]++;
  return out;
};

describe('prepareData with --class-counts (digits)', () => {
  it('cuts a long-tailed pool, drops the zero classes from pool and test, and splits it stratified (hand quotas)', async () => {
    const settings = resolveTrainSettings({ dataset: 'digits', classCounts: COUNTS, labels: '40', validation: '16', seed: '1' });
    expect(settings.classCounts).toEqual([100, 50, 0, 30, 20, 12, 8, 6, 0, 4]);
    const p = await prepareData(settings);
    expect(p.numClasses).toBe(8);
    expect(p.classNames).toEqual(['0', '1', '3', '4', '5', '6', '7', '9']);
    expect(perClass(p.labeled, 8)).toEqual(LABELED);
    expect(perClass(p.validation, 8)).toEqual(VALIDATION);
    expect(perClass(p.unlabeled, 8)).toEqual(KEPT_SIZES.map((n, c) => n - LABELED[c] - VALIDATION[c]));
    // the 360 held-out digits test images (36 per class) lose classes 2 and 8
    expect(perClass(p.test, 8)).toEqual(new Array(8).fill(36));
    expect(p.summary).toBe('digits: 40 labeled, 174 unlabeled, 16 validation, 288 test images of 8×8×1, 8 classes ' +
      '(long-tailed pool 100/50/30/20/12/8/6/4, stratified split, seed 1)');
    const all = [p.labeled, p.validation, p.unlabeled].flatMap((part) => Array.from(part.indices));
    expect(new Set(all).size).toBe(230);
    // the CLI's trainer config takes π from the labeled split when a component reads it
    const config = trainerConfig({ ...settings, method: 'fixmatch', daTarget: 'labeled', supervisedLoss: 'logit-adjusted' }, p);
    expect(config.classPrior).toEqual(LABELED.map((n) => n / 40));
    expect(resolveTrainerConfig(config).classPrior).toEqual(LABELED.map((n) => n / 40));
    expect(trainerConfig(settings, p).classPrior).toBeUndefined();
  });

  it('draws the pool from the seed: the same for a seed, another for another seed; the test set does not move', async () => {
    const pool = async (seed: string) => {
      const p = await prepareData(resolveTrainSettings({ dataset: 'digits', classCounts: COUNTS, labels: '40', validation: '16', seed }));
      return { images: Array.from(p.labeled.dataset.images), test: Array.from(p.test.dataset.images) };
    };
    const [a, b, c] = [await pool('1'), await pool('1'), await pool('2')];
    expect(b.images).toEqual(a.images);
    expect(c.images).not.toEqual(a.images);
    expect(c.test).toEqual(a.test);
  });

  it('refuses more images than a class has, naming the class, and too few labels for a stratified split', async () => {
    const tooMany = resolveTrainSettings({ dataset: 'digits', classCounts: '100,500,0,30,20,12,8,6,0,4', labels: '40' });
    await expect(prepareData(tooMany)).rejects.toThrow(CliUsageError);
    await expect(prepareData(tooMany)).rejects.toThrow(/^--class-counts: class 1 \('1'\) has \d+ training images, 500 asked for$/);
    const few = resolveTrainSettings({ dataset: 'digits', classCounts: COUNTS, labels: '5' });
    await expect(prepareData(few)).rejects.toThrow('--labels 5 is too small: a stratified split of digits needs at least one labeled image per class (≥ 8)');
    // 200·8/230 = 6.96 → 7 labeled and 20·8/230 = 0.70 → 1 validation image of the 8 sixes (index 5 after renumbering, named '6')
    const crowded = resolveTrainSettings({ dataset: 'digits', classCounts: COUNTS, labels: '200', validation: '20' });
    await expect(prepareData(crowded)).rejects.toThrow("--labels 200 and --validation 20 are too many for a stratified split of digits: class '6' has 8 training images " +
      'and would give about 7 to labeled and 1 to validation, leaving none unlabeled');
  });
});

const usage = async (argv: string[]) => {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, err: io.stderr.join('\n') };
};

describe('tear-ssl train with long-tail flags: usage errors (exit 2) name the flag', () => {
  const train = (extra: string[]) => ['train', '--dataset', 'digits', '--labels', '40', '--steps', '1', '--backend', 'cpu', '--no-progress', '--out', join(root, 'bad'), ...extra];

  it('--class-counts of the wrong length, keeping one class, not integers, negative or empty', async () => {
    const cases: Array<[string, RegExp]> = [
      ['10,10,10', /^tear-ssl: error: --class-counts has 3 entries, but digits has 10 classes: give one count per class \(0 drops a class\)$/],
      ['0,0,0,50,0,0,0,0,0,0', /^tear-ssl: error: --class-counts must keep at least two classes \(counts > 0\)$/],
      ['10,10,10,10,10,5.5,10,10,10,10', /^tear-ssl: error: option --class-counts must be a non-empty list of integers ≥ 0, comma-separated, got '10,10,10,10,10,5\.5,10,10,10,10'$/],
      ['10,10,ten,10,10,10,10,10,10,10', /option --class-counts must be a non-empty list of integers ≥ 0/],
      ['10,-1,10,10,10,10,10,10,10,10', /option --class-counts must be a non-empty list of integers ≥ 0/],
      ['', /option --class-counts must be a non-empty list of integers/],
    ];
    for (const [value, message] of cases) {
      const { code, err } = await usage(train(['--class-counts', value]));
      expect(code, value).toBe(2);
      expect(err, value).toMatch(message);
    }
  });

  it('--long-tail isic2018 with --dataset digits, both pool flags at once, an unknown preset, and bad --da-target / --supervised-loss / --logit-adjustment-tau', async () => {
    expect(await usage(train(['--long-tail', 'isic2018']))).toEqual({
      code: 2, err: 'tear-ssl: error: --long-tail isic2018 is a shape for --dataset fashion-mnist, not digits; use --class-counts for other data sets',
    });
    expect(await usage(train(['--long-tail', 'isic2018', '--class-counts', COUNTS]))).toEqual({
      code: 2, err: 'tear-ssl: error: --class-counts and --long-tail both set the training pool: give one of them',
    });
    const cases: Array<[string[], RegExp]> = [
      [['--long-tail', 'cifar'], /^tear-ssl: error: option --long-tail must be one of isic2018, got 'cifar'$/],
      [['--da-target', 'balanced'], /^tear-ssl: error: option --da-target must be one of uniform, labeled, got 'balanced'$/],
      [['--supervised-loss', 'focal'], /^tear-ssl: error: option --supervised-loss must be one of cross-entropy, logit-adjusted, got 'focal'$/],
      [['--logit-adjustment-tau', '-1'], /^tear-ssl: error: option --logit-adjustment-tau must be/],
    ];
    for (const [extra, message] of cases) {
      const { code, err } = await usage(train(extra));
      expect(code, extra.join(' ')).toBe(2);
      expect(err, extra.join(' ')).toMatch(message);
    }
  });
});

describe('tear-ssl train --class-counts end to end (cpu backend, embedded digits)', () => {
  const tiny = (out: string, extra: string[]) => [
    'train', '--dataset', 'digits', '--class-counts', COUNTS, '--labels', '40', '--validation', '16', '--steps', '2',
    '--batch-size', '4', '--mu', '1', '--eval-every', '2', '--checkpoint-every', '2', '--log-every', '1',
    '--backend', 'cpu', '--no-progress', '--out', out, ...extra,
  ];

  it('debiaspl: the run says long-tailed and stratified, logs per-class recall and pseudo-label counts over the 8 kept classes', async () => {
    const out = join(root, 'debiaspl');
    await expectNoLeak(async () => {
      const io = memoryIo();
      const code = await runCli(tiny(out, ['--method', 'debiaspl', '--debiaspl-lambda', '0.5']), io);
      expect(io.stderr.join('\n')).toBe('');
      expect(code).toBe(0);
      expect(io.stdout).toContain('data: digits: 40 labeled, 174 unlabeled, 16 validation, 288 test images of 8×8×1, 8 classes ' +
        '(long-tailed pool 100/50/30/20/12/8/6/4, stratified split, seed 0)');
    });
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { data: string; settings: { classCounts: number[] } };
    expect(run.data).toMatch(/long-tailed pool 100\/50\/30\/20\/12\/8\/6\/4, stratified split/);
    expect(run.settings.classCounts).toEqual([100, 50, 0, 30, 20, 12, 8, 6, 0, 4]);
    const records = readMetricsLog(join(out, 'metrics.jsonl'));
    const steps = records.filter((r) => r.type === 'step');
    expect(steps).toHaveLength(2);
    for (const s of steps) {
      const actual = [0, 1, 2, 3, 4, 5, 6, 7].map((c) => s[`pl.actual.${c}`] as number);
      expect(actual.reduce((a, b) => a + b, 0)).toBe(4); // U = μ·B = 4 unlabeled images
      expect(s['pl.actual.8']).toBeUndefined();
    }
    const finalTest = records.filter((r) => r.type === 'eval' && r.split === 'test' && r.step === 2);
    expect(finalTest.length).toBeGreaterThan(0);
    for (const r of finalTest) expect((r as { recall?: unknown[] }).recall).toHaveLength(8);
    const checkpoint = (await readCheckpoint(join(out, 'checkpoints', 'step-00000002.ckpt'))) as { config: { method: string; numClasses: number; classPrior: unknown }; states: object };
    expect(checkpoint.config.method).toBe('debiaspl');
    expect(checkpoint.config.numClasses).toBe(8);
    expect(checkpoint.config.classPrior).toBeNull();
    expect(Object.keys(checkpoint.states)).toEqual(['debiaspl']);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  });

  it('fixmatch --da-target labeled --supervised-loss logit-adjusted: the trainer gets π of the labeled split', async () => {
    const out = join(root, 'labeled-prior');
    await expectNoLeak(async () => {
      const io = memoryIo();
      const code = await runCli(tiny(out, ['--method', 'fixmatch', '--da-target', 'labeled', '--supervised-loss', 'logit-adjusted', '--logit-adjustment-tau', '0.5']), io);
      expect(io.stderr.join('\n')).toBe('');
      expect(code).toBe(0);
    });
    const checkpoint = (await readCheckpoint(join(out, 'checkpoints', 'step-00000002.ckpt'))) as {
      config: { classPrior: number[]; distributionAlignment: { target: string }; supervisedLoss: { kind: string; tau: number } };
    };
    expect(checkpoint.config.classPrior).toEqual(LABELED.map((n) => n / 40));
    expect(checkpoint.config.distributionAlignment.target).toBe('labeled');
    expect(checkpoint.config.supervisedLoss).toEqual({ kind: 'logit-adjusted', tau: 0.5 });
  });
});
