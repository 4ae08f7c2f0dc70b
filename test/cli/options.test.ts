import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../src/cli/cliError';
import { readConfigFile } from '../../src/cli/configFile';
import { checkLabelBudget, resolveTrainSettings } from '../../src/cli/resolveSettings';
import { trainerConfig } from '../../src/cli/trainCommand';
import { methodNames } from '../../src/training/algorithms/registry';
import { resolveTrainerConfig } from '../../src/training/config';

const tmp = mkdtempSync(join(tmpdir(), 'tear-cli-opts-'));
function configFile(name: string, content: string): string {
  const file = join(tmp, name);
  writeFileSync(file, content);
  return file;
}
const usage = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CliUsageError);
    return (e as Error).message;
  }
  throw new Error('expected a CliUsageError');
};

describe('resolveTrainSettings: flags', () => {
  it('fills the data set defaults and converts flag strings', () => {
    const s = resolveTrainSettings({ dataset: 'digits', labels: '30', lr: '0.01', emaWarmup: false, out: 'o' });
    expect(s.labels).toBe(30);
    expect(s.lr).toBe(0.01);
    expect(s.emaWarmup).toBe(false);
    expect(s.steps).toBe(300); // digits default
    expect(s.method).toBe('tear');
    expect(s.out).toBe('o');
    expect(s.threshold).toBeUndefined(); // left to the trainer's default
  });

  it('names an unknown data set and lists the known ones', () => {
    expect(usage(() => resolveTrainSettings({ dataset: 'imagenet' })))
      .toBe("option --dataset must be one of digits, fashion-mnist, mnist, cifar10, isic2018, got 'imagenet'");
  });

  it.each([['0'], ['-3'], ['1.5'], ['ten'], ['']])('rejects --labels %j as not a positive integer', (value) => {
    expect(usage(() => resolveTrainSettings({ labels: value }))).toBe(`option --labels must be a positive integer, got '${value}'`);
  });

  it('rejects out-of-range numbers with the interval', () => {
    expect(usage(() => resolveTrainSettings({ threshold: '1.5' }))).toBe("option --threshold must be in [0, 1], got '1.5'");
    expect(resolveTrainSettings({ threshold: '0' }).threshold).toBe(0); // τ = 0 keeps every pseudo label, as the trainer config always allowed
    expect(usage(() => resolveTrainSettings({ lr: '0' }))).toBe("option --lr must be in (0, ∞), got '0'");
    expect(usage(() => resolveTrainSettings({ method: 'mixmatch' })))
      .toBe(`option --method must be one of ${methodNames().join(', ')}, got 'mixmatch'`);
    expect(methodNames().slice(0, 9)).toEqual(['supervised', 'fixmatch', 'adapl', 'iph', 'tear', 'flexmatch', 'flexmatch+adapl', 'flexmatch+iph', 'flexmatch+tear']);
  });

  it('takes the registered algorithms\' options and writes each to its trainer config path', () => {
    const s = resolveTrainSettings({ method: 'freematch+tear', fairnessWeight: '0.05', uniformAlignment: false, flexmatchMapping: 'linear', adaplWMin: '0.6', out: 'o' });
    expect([s.method, (s as unknown as Record<string, unknown>).fairnessWeight]).toEqual(['freematch+tear', 0.05]);
    const data = { numClasses: 10, unlabeled: { dataset: { labels: new Int32Array(7) } } } as unknown as Parameters<typeof trainerConfig>[1];
    const config = resolveTrainerConfig(trainerConfig(s, data));
    expect(config.method).toBe('freematch+tear');
    expect((config as unknown as { freematch: object }).freematch).toEqual({ momentum: 0.999, fairnessWeight: 0.05 });
    expect((config as unknown as { softmatch: { uniformAlignment: boolean } }).softmatch.uniformAlignment).toBe(false);
    expect((config as unknown as { flexmatch: { mapping: string } }).flexmatch.mapping).toBe('linear');
    expect([config.adapl.wMin, config.learningRate, config.memory.numSamples]).toEqual([0.6, 0.03, 0]);
    // FlexMatch keeps a prediction per unlabeled sample id: the CLI passes the index space's size.
    const flex = resolveTrainerConfig(trainerConfig(resolveTrainSettings({ method: 'flexmatch', out: 'o' }), data));
    expect(flex.memory.numSamples).toBe(7);
    expect(usage(() => resolveTrainSettings({ softmatchNSigma: '0' }))).toBe("option --softmatch-n-sigma must be in (0, ∞), got '0'");
  });

  it('asks for --data where the data set needs it, and checks that it exists', () => {
    expect(usage(() => resolveTrainSettings({ dataset: 'cifar10' }))).toMatch(/^--dataset cifar10 needs --data DIR: the cifar-10-batches-bin folder/);
    expect(usage(() => resolveTrainSettings({ dataset: 'mnist' }))).toMatch(/^--dataset mnist needs --data DIR/);
    expect(usage(() => resolveTrainSettings({ dataset: 'mnist', data: join(tmp, 'nope') }))).toMatch(/^--data .*nope does not exist/);
    expect(usage(() => resolveTrainSettings({ dataset: 'digits', data: tmp }))).toMatch(/^--data is not used with --dataset digits/);
  });

  it('keeps ISIC budgets and --labels apart', () => {
    expect(usage(() => resolveTrainSettings({ dataset: 'isic2018', data: tmp, labels: '350' }))).toMatch(/^--labels does not apply to isic2018: pick a TEAR split with --budget/);
    expect(usage(() => resolveTrainSettings({ dataset: 'isic2018', data: tmp, budget: '351' })))
      .toBe("option --budget must be one of 350, 600, 800, 1200, 2000, got '351'");
    expect(resolveTrainSettings({ dataset: 'isic2018', data: tmp, budget: '800' }).budget).toBe(800);
    expect(usage(() => resolveTrainSettings({ dataset: 'digits', budget: '350' }))).toMatch(/^--budget only applies to isic2018/);
  });

  it('continues in the checkpoint\'s run folder when resuming without --out', () => {
    const run = join(tmp, 'earlier-run');
    mkdirSync(join(run, 'checkpoints'), { recursive: true });
    writeFileSync(join(run, 'run.json'), '{}');
    writeFileSync(join(run, 'checkpoints', 'step-00000010.ckpt'), '');
    expect(resolveTrainSettings({ resume: join(run, 'checkpoints', 'step-00000010.ckpt') }).out).toBe(run);
    expect(resolveTrainSettings({ resume: run }).out).toBe(run);
    expect(resolveTrainSettings({ resume: run, out: 'elsewhere' }).out).toBe('elsewhere');
    expect(usage(() => resolveTrainSettings({ resume: join(tmp, 'no-such-run') }))).toMatch(/^--resume .*no-such-run does not exist$/);
  });

  it('gives a default out folder under runs/ named after the data set and method', () => {
    const s = resolveTrainSettings({ method: 'fixmatch' }, new Date(2026, 0, 2, 3, 4, 5));
    expect(s.out).toBe(join('runs', 'digits-fixmatch-20260102-030405'));
  });
});

describe('config files', () => {
  it('merges: defaults < config < flags', () => {
    const file = configFile('ok.json', JSON.stringify({ steps: 7, batchSize: 4, method: 'fixmatch', emaWarmup: false }));
    const s = resolveTrainSettings({ config: file, steps: '9' });
    expect(s.steps).toBe(9);
    expect(s.batchSize).toBe(4);
    expect(s.method).toBe('fixmatch');
    expect(s.emaWarmup).toBe(false);
  });

  it('names an unknown key and the file, with a suggestion', () => {
    const file = configFile('unknown.json', JSON.stringify({ 'batch-size': 4 }));
    expect(usage(() => readConfigFile(file))).toBe(`config file ${file}: unknown key 'batch-size' (did you mean 'batchSize'?)`);
    const typo = configFile('typo.json', JSON.stringify({ stpes: 4 }));
    expect(usage(() => readConfigFile(typo))).toBe(`config file ${typo}: unknown key 'stpes' (did you mean 'steps'?)`);
    const far = configFile('far.json', JSON.stringify({ zzzzzzzz: 1 }));
    expect(usage(() => readConfigFile(far))).toMatch(new RegExp(`^config file ${far}: unknown key 'zzzzzzzz'; known keys: dataset, data, labels`));
  });

  it('names a wrongly typed key and the file', () => {
    const file = configFile('typed.json', JSON.stringify({ steps: '100' }));
    expect(usage(() => readConfigFile(file))).toBe(`config file ${file}: key 'steps' must be a positive integer, got "100" (string)`);
    const bool = configFile('bool.json', JSON.stringify({ emaWarmup: 'yes' }));
    expect(usage(() => readConfigFile(bool))).toBe(`config file ${bool}: key 'emaWarmup' must be true or false, got "yes" (string)`);
    const float = configFile('float.json', JSON.stringify({ labels: 2.5 }));
    expect(usage(() => readConfigFile(float))).toBe(`config file ${float}: key 'labels' must be a positive integer, got 2.5 (number)`);
  });

  it('rejects files that are not JSON objects, or missing', () => {
    const bad = configFile('bad.json', '{ steps: 3 }');
    expect(usage(() => readConfigFile(bad))).toMatch(new RegExp(`^config file ${bad} is not valid JSON`));
    const arr = configFile('arr.json', '[1]');
    expect(usage(() => readConfigFile(arr))).toMatch(/must hold a JSON object of options/);
    expect(usage(() => readConfigFile(join(tmp, 'missing.json')))).toMatch(/missing\.json cannot be read/);
    const nested = configFile('config.json', JSON.stringify({ config: 'other.json' }));
    expect(usage(() => readConfigFile(nested))).toMatch(/unknown key 'config'/);
  });
});

describe('checkLabelBudget', () => {
  const settings = resolveTrainSettings({ dataset: 'digits', validation: '100' });
  const counts = [142, 146, 141, 147, 145, 146, 145, 143, 138, 144]; // digits after the 36-per-class test hold-out
  const names = counts.map((_, i) => String(i));

  it('accepts budgets a class-balanced split can give', () => {
    expect(() => checkLabelBudget({ ...settings, labels: 10 }, counts, names)).not.toThrow();
    // 138 − 10 = 128 per class
    expect(() => checkLabelBudget({ ...settings, labels: 1280 }, counts, names)).not.toThrow();
  });

  it('rejects too many labels, naming the smallest class and the maximum', () => {
    expect(usage(() => checkLabelBudget({ ...settings, labels: 1281 }, counts, names))).toBe(
      "--labels 1281 is larger than the class-balanced budget allows for digits: the smallest class ('8') has 138 training images " +
      'and 10 of them go to validation, so at most 1280 labels (128 per class)');
  });

  it('rejects fewer labels than classes', () => {
    expect(usage(() => checkLabelBudget({ ...settings, labels: 9 }, counts, names))).toMatch(/needs at least one labeled image per class \(≥ 10\)/);
  });
});
