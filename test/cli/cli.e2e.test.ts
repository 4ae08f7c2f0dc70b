import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io';
import { readMetricsLog } from '../../src/cli/metricsLog';
import type { RunSegment } from '../../src/cli/provenance';
import type { RunRecord } from '../../src/cli/runRecord';
import { runCli } from '../../src/cli/runCli';
import { readCheckpoint } from '../../src/training/checkpoint';
import { expectNoLeak } from '../helpers/tensors';

const root = mkdtempSync(join(tmpdir(), 'tear-cli-e2e-'));

/** A TEAR run small enough for the cpu backend: 2 steps of 4 labeled + 4 unlabeled digits. */
const tinyTrain = (out: string, extra: string[] = []) => [
  'train', '--dataset', 'digits', '--method', 'tear', '--labels', '20', '--validation', '20', '--steps', '2',
  '--batch-size', '4', '--mu', '1', '--eval-every', '1', '--checkpoint-every', '1', '--log-every', '1',
  '--backend', 'cpu', '--no-progress', '--out', out, ...extra,
];

describe('tear-ssl train / eval end to end (cpu backend)', () => {
  const out = join(root, 'run');

  it('writes run.json, metrics.jsonl, checkpoints and report.md', async () => {
    await expectNoLeak(async () => {
      const io = memoryIo();
      const code = await runCli(tinyTrain(out), io);
      expect(io.stderr.join('\n')).not.toMatch(/error/i);
      expect(code).toBe(0);
      expect(io.stdout[0]).toMatch(/^backend: cpu/);
      expect(io.stdout.some((l) => /^step 2\/2 \| loss [\d.]+ \(sup [\d.]+, unl [\d.]+, iph [\d.]+\) \| mask [\d.]+ \| [\d.]+ img\/s \| ETA/.test(l))).toBe(true);
    });
    const records = readMetricsLog(join(out, 'metrics.jsonl'));
    expect(records.filter((r) => r.type === 'step').map((r) => (r as { step: number }).step)).toEqual([1, 2]);
    const evals = records.filter((r) => r.type === 'eval');
    expect(evals.filter((r) => r.split === 'validation').map((r) => `${r.step}:${r.model}`)).toEqual(['1:student', '1:ema', '2:student', '2:ema']);
    // test evaluated at the final step (plus at each validation improvement)
    expect(evals.some((r) => r.split === 'test' && r.step === 2 && r.model === 'ema')).toBe(true);
    // each test evaluation is logged once, even when the final step also improved validation
    const testKeys = evals.filter((r) => r.split === 'test').map((r) => `${r.step}:${r.model}`);
    expect(new Set(testKeys).size).toBe(testKeys.length);
    // loss-estimator scores of the final student and EMA teacher on both labeled splits, once each
    const estimators = records.filter((r) => r.type === 'estimators');
    expect(estimators.map((r) => `${r.step}:${r.split}`)).toEqual(['2:validation', '2:test']);
    for (const r of estimators) {
      expect(r.reference).toBe('ema');
      for (const key of ['naiveSpearman', 'naiveAuroc', 'candidate.ensemble.spearman', 'candidate.kl+entropy.auroc']) expect(typeof r[key], key).toBe('number');
    }
    for (const r of evals) {
      expect(r.top1).toBeGreaterThanOrEqual(0);
      expect(r.top1).toBeLessThanOrEqual(1);
    }
    expect(existsSync(join(out, 'checkpoints', 'step-00000001.ckpt'))).toBe(true);
    expect(existsSync(join(out, 'checkpoints', 'step-00000002.ckpt'))).toBe(true);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/^# tear-ssl tear on digits/);
    expect(report).toMatch(/\| final \| ema \| test \| 2 \| [\d.]+% \| [\d.]+% \| [\d.]+% \| [\d.]+ \|/);
    expect(report).toMatch(/\| best on validation \| ema \| validation \|/);
    expect(report).toContain('| trainer.method | tear |');
    expect(existsSync(join(out, 'accuracy.svg'))).toBe(true);
    // best-validation checkpoint beside the latest ones; the EMA model exported for tf.loadLayersModel
    expect(existsSync(join(out, 'checkpoints', 'best.ckpt'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8')).weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(existsSync(join(out, 'model', 'weights.bin'))).toBe(true);
    // per-class table and confusion matrix (10 digit classes) of the final EMA test evaluation
    expect(report).toMatch(/## Per class \(EMA model, test split, step 2\)/);
    expect(report.split('\n').filter((l) => /^\| \d \| ([\d.]+%|–) \| ([\d.]+%|–) \| ([\d.]+%|–) \| ([\d.]+|–) \| \d+ \|$/.test(l))).toHaveLength(10);
    expect(report).toContain('| true \\ predicted | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 |');
    expect(report).toContain('![Confusion matrix](confusion.svg)');
    expect(readFileSync(join(out, 'confusion.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(out, 'losses.svg'), 'utf8')).toMatch(/^<svg/);
    // provenance: paths relative to the run folder, one segment with code, machine, load and times
    expect(report).not.toContain(root);
    expect(report).toContain('| out | . |');
    expect(report).toMatch(/This segment \(steps 0→2\): commit /);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunRecord;
    expect(JSON.stringify(run)).not.toContain(root);
    expect(run.settings.out).toBe('.');
    expect(run.segments).toHaveLength(1);
    const [segment] = run.segments as RunSegment[];
    expect(segment).toMatchObject({ startStep: 0, endStep: 2, backend: expect.stringMatching(/^cpu/) });
    expect(segment.host?.cores).toBeGreaterThan(0);
    expect(segment.load?.start).toHaveLength(3);
    expect(segment.load?.end).toHaveLength(3);
    expect(segment.wallSeconds).toBeGreaterThan(0);
    expect(segment.cpuSeconds).toBeGreaterThan(0);
    expect(segment.versions?.node).toBe(process.version);
    // this test runs in a git checkout: the commit is known
    expect(segment.commit).toMatch(/^[0-9a-f]{12}$/);
    expect(typeof segment.dirty).toBe('boolean');
    expect(readMetricsLog(join(out, 'metrics.jsonl')).find((r) => r.type === 'run')).toMatchObject({ settings: { out: '.' } });
  });

  it('--resume continues from the checkpoint step and ends where the uninterrupted run ended', async () => {
    const uninterrupted = join(root, 'step2.ckpt');
    copyFileSync(join(out, 'checkpoints', 'step-00000002.ckpt'), uninterrupted);
    await expectNoLeak(async () => {
      const io = memoryIo();
      const code = await runCli(tinyTrain(out, ['--resume', join(out, 'checkpoints', 'step-00000001.ckpt')]), io);
      expect(io.stderr).toEqual([]);
      expect(code).toBe(0);
      expect(io.stdout).toContain(`resumed from ${join(out, 'checkpoints', 'step-00000001.ckpt')} at step 1`);
      expect(io.stdout.some((l) => l.startsWith('step 1/2'))).toBe(false);
      expect(io.stdout.some((l) => l.startsWith('step 2/2'))).toBe(true);
    });
    const records = readMetricsLog(join(out, 'metrics.jsonl'));
    // the first run's step-2 lines were dropped, the resumed run wrote step 2 again: no duplicates
    expect(records.filter((r) => r.type === 'step').map((r) => (r as { step: number }).step)).toEqual([1, 2]);
    expect(records.filter((r) => r.type === 'run').map((r) => (r as { startStep: number }).startStep)).toEqual([0, 1]);
    // run.json keeps both processes as segments: the first (0→2, its step 2 now trained again) and the resumed one
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunRecord;
    expect(run.segments?.map((s) => [s.startStep, s.endStep])).toEqual([[0, 2], [1, 2]]);
    // same seed-derived batches and augmentations: the resumed run's final weights, EMA and optimizer
    // state are the uninterrupted run's (variable names differ: tfjs renames layers on every build)
    const strip = (payload: unknown) => {
      const p = payload as { step: number; variables: { values: unknown }; ema: unknown; optimizer: unknown };
      return { step: p.step, variables: p.variables.values, ema: p.ema, optimizer: p.optimizer };
    };
    const resumed = strip(await readCheckpoint(join(out, 'checkpoints', 'step-00000002.ckpt')));
    expect(resumed.step).toBe(2);
    expect(resumed).toEqual(strip(await readCheckpoint(uninterrupted)));
  });

  it('--resume refuses other data options, naming them', async () => {
    const io = memoryIo();
    const code = await runCli(tinyTrain(join(root, 'other'), ['--labels', '30', '--resume', out]), io);
    expect(code).toBe(2);
    expect(io.stderr[0]).toMatch(/^tear-ssl: error: --resume .*step-00000002\.ckpt: labels is 30 here but 20 in .*step-00000002\.ckpt/);
  });

  it('eval --checkpoint reads the run folder and prints test and validation metrics', async () => {
    await expectNoLeak(async () => {
      const io = memoryIo();
      const code = await runCli(['eval', '--checkpoint', out, '--backend', 'cpu', '--out', join(out, 'eval')], io);
      expect(io.stderr).toEqual([]);
      expect(code).toBe(0);
      expect(io.stdout).toContain('per class, EMA model, test split:');
      expect(io.stdout).toContain('confusion matrix, EMA model, validation split (rows true, columns predicted):');
      expect(readFileSync(join(out, 'eval', 'confusion-test.svg'), 'utf8')).toMatch(/^<svg/);
      expect(io.stdout.some((l) => /^checkpoint .*step-00000002\.ckpt \(step 2, method tear\)/.test(l))).toBe(true);
      expect(io.stdout.filter((l) => /^\| (ema|student) \| (test|validation) \| [\d.]+% \|/.test(l))).toHaveLength(4);
    });
    // the test numbers equal those the training run logged for its final step
    const final = readMetricsLog(join(out, 'metrics.jsonl')).filter((r) => r.type === 'eval' && r.split === 'test' && r.step === 2).pop();
    const io = memoryIo();
    await runCli(['eval', '--checkpoint', join(out, 'checkpoints', 'step-00000002.ckpt'), '--backend', 'cpu'], io);
    const row = io.stdout.find((l) => l.startsWith(`| ${(final as { model: string }).model} | test |`)) as string;
    expect(row).toContain(`${(100 * (final as { top1: number }).top1).toFixed(2)}%`);
  });
});

describe('tear-ssl demo --quick', () => {
  it('trains the three methods and prints the table with a verdict', async () => {
    await expectNoLeak(async () => {
      const io = memoryIo();
      const code = await runCli(['demo', '--quick', '--backend', 'cpu'], io);
      expect(io.stderr).toEqual([]);
      expect(code).toBe(0);
      const text = io.stdout.join('\n');
      expect(text).toMatch(/\| supervised only \| [\d.]+% \|/);
      expect(text).toMatch(/\| FixMatch \| [\d.]+% \|/);
      expect(text).toMatch(/\| TEAR \(FixMatch \+ AdaPL \+ IPH\) \| [\d.]+% \|/);
      expect(text).toMatch(/^Result: /m);
      expect(text).toMatch(/^- FixMatch (beat|did NOT beat) supervised only/m);
      expect(text).toMatch(/^- TEAR \(FixMatch \+ AdaPL \+ IPH\) (beat|did NOT beat) FixMatch/m);
    });
  });
});

describe('tear-ssl usage errors', () => {
  const usage = async (argv: string[]) => {
    const io = memoryIo();
    const code = await runCli(argv, io);
    return { code, err: io.stderr.join('\n') };
  };

  it('names an unknown data set', async () => {
    const { code, err } = await usage(['train', '--dataset', 'imagenet']);
    expect(code).toBe(2);
    expect(err).toBe("tear-ssl: error: option --dataset must be one of digits, fashion-mnist, mnist, cifar10, isic2018, got 'imagenet'");
  });

  it('rejects labels that are not a positive integer, or above the class-balanced budget', async () => {
    expect(await usage(['train', '--labels', '-5'])).toEqual({ code: 2, err: "tear-ssl: error: option --labels must be a positive integer, got '-5'" });
    const tooMany = await usage(['train', '--labels', '5000', '--backend', 'cpu', '--out', join(root, 'big')]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.err).toMatch(/^tear-ssl: error: --labels 5000 is larger than the class-balanced budget allows for digits: .* so at most \d+ labels/);
  });

  it('asks for --data', async () => {
    expect(await usage(['train', '--dataset', 'cifar10'])).toEqual({
      code: 2, err: 'tear-ssl: error: --dataset cifar10 needs --data DIR: the cifar-10-batches-bin folder (data_batch_1.bin … data_batch_5.bin, test_batch.bin)',
    });
  });

  it('names the config file and key at fault', async () => {
    const file = join(root, 'bad-config.json');
    writeFileSync(file, JSON.stringify({ dataset: 'digits', batchsize: 8 }));
    expect(await usage(['train', '--config', file])).toEqual({ code: 2, err: `tear-ssl: error: config file ${file}: unknown key 'batchsize' (did you mean 'batchSize'?)` });
    writeFileSync(file, JSON.stringify({ mu: 'seven' }));
    expect(await usage(['train', '--config', file])).toEqual({ code: 2, err: `tear-ssl: error: config file ${file}: key 'mu' must be a positive integer, got "seven" (string)` });
  });

  it('reports unknown options and commands through commander, exit code 2', async () => {
    const unknown = await usage(['train', '--stepz', '3']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/error: unknown option '--stepz'/);
    expect((await usage(['fly'])).code).toBe(2);
    expect((await usage([])).code).toBe(2);
  });

  it('eval without a checkpoint file', async () => {
    expect(await usage(['eval', '--checkpoint', join(root, 'nowhere')])).toEqual({ code: 2, err: `tear-ssl: error: --checkpoint ${join(root, 'nowhere')} does not exist` });
  });
});
