import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/training/checkpoint';
import { cli, idxFixture, rewriteCheckpointBlob, tinyTrain, withoutMetadata, writeFolder } from './helpers';

const root = mkdtempSync(join(tmpdir(), 'tear-run-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ckpt = (out: string, step: number) => join(out, 'checkpoints', `step-${String(step).padStart(8, '0')}.ckpt`);

/** A finished 2-step run whose folder each test copies. */
const base = join(root, 'base');
beforeAll(async () => {
  const r = await cli(tinyTrain(base));
  expect(r.code, r.text).toBe(0);
});

function copyRun(name: string): string {
  const out = join(root, name);
  writeFolder(join(out, 'checkpoints'), {});
  for (const f of ['run.json', 'metrics.jsonl']) copyFileSync(join(base, f), join(out, f));
  for (const f of readdirSync(join(base, 'checkpoints'))) copyFileSync(join(base, 'checkpoints', f), join(out, 'checkpoints', f));
  return out;
}

describe('run folders: reuse, resume, run.json (issue 10)', () => {
  it('refuses a fresh run into an --out that holds another run\'s checkpoints, leaving them as they were', async () => {
    const out = copyRun('reuse');
    const before = readFileSync(ckpt(out, 2));
    const runJson = readFileSync(join(out, 'run.json'), 'utf8');
    const r = await cli(tinyTrain(out, ['--seed', '5'], 1));
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/^tear-ssl: error: --out .*reuse already holds checkpoints of another run \(2, newest .*step-00000002\.ckpt\); continue that run with --resume/);
    expect(readFileSync(ckpt(out, 2)).equals(before)).toBe(true);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(runJson);
  });

  it('--resume takes the data options from the run\'s record: none need repeating', async () => {
    const out = copyRun('resume-bare');
    const r = await cli(['train', '--resume', ckpt(out, 1), '--backend', 'cpu', '--no-progress']);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain(`resumed from ${ckpt(out, 1)} at step 1`);
    expect(r.text).toMatch(/data: digits: 20 labeled, \d+ unlabeled, 20 validation, 40 test images/);
    // the same final state as the uninterrupted run
    const strip = (p: unknown) => (p as { variables: { values: unknown } }).variables.values;
    expect(strip(await readCheckpoint(ckpt(out, 2)))).toEqual(strip(await readCheckpoint(ckpt(base, 2))));
  });

  it('--resume refuses a real conflict and leaves run.json untouched', async () => {
    const out = copyRun('resume-conflict');
    const runJson = readFileSync(join(out, 'run.json'), 'utf8');
    const r = await cli(['train', '--resume', out, '--labels', '30', '--backend', 'cpu', '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/labels is 30 here but 20 in .*step-00000002\.ckpt/);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(runJson);
    // a conflict the trainer finds (another method: the checkpoint's config differs) leaves it untouched too
    const m = await cli(['train', '--resume', out, '--method', 'supervised', '--backend', 'cpu', '--no-progress']);
    expect(m.code).toBe(1);
    expect(m.stderr[0]).toMatch(/^tear-ssl: error: tear-ssl\.checkpoint: .*step-00000002\.ckpt: field 'config' differs/);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(runJson);
  });

  it('an empty or truncated run.json: skipped with a warning when the checkpoint holds the settings, else a data error naming it', async () => {
    for (const text of ['', '{"command": "train", "sett']) {
      for (const own of [true, false]) {
        const out = copyRun(`runjson-${text.length}-${own}`);
        if (!own) for (const step of [1, 2]) writeFileSync(ckpt(out, step), withoutMetadata(readFileSync(ckpt(out, step))));
        writeFileSync(join(out, 'run.json'), text);
        for (const argv of [['eval', '--checkpoint', out, '--backend', 'cpu'], ['train', '--resume', ckpt(out, 2), '--backend', 'cpu', '--no-progress']]) {
          const r = await cli(argv);
          expect(r.text).not.toMatch(/SyntaxError|internal error/);
          const named = `${join(out, 'run.json')}: the run record`;
          if (own) {
            expect(r.code, r.text).toBe(0);
            expect(r.stderr.some((l) => l.startsWith(`tear-ssl: warning: ${named}`) && l.includes('not needed'))).toBe(true);
          } else {
            expect(r.code, r.text).toBe(1);
            expect(r.stderr[0].startsWith(`tear-ssl: error: ${named}`)).toBe(true);
            expect(r.stderr[0]).toMatch(/the run record (is empty|is not valid JSON)/);
          }
        }
      }
    }
  });

  it('--resume on a folder whose newest checkpoint is corrupt takes the newest valid one, says so, and sets the bad one aside', async () => {
    const out = copyRun('fallback');
    writeFileSync(ckpt(out, 2), readFileSync(ckpt(out, 2)).subarray(0, 500));
    // a temporary left by a killed checkpoint write (pid 2^22 + 1 is above Linux's pid_max default, so not alive)
    const stale = `${ckpt(out, 2)}.tmp-4194305-deadbeef`;
    writeFileSync(stale, 'partial');
    const r = await cli(['train', '--resume', out, '--backend', 'cpu', '--no-progress']);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/--resume: skipped .*step-00000002\.ckpt: .*truncated.* \(renamed to .*step-00000002\.ckpt\.corrupt\)/);
    expect(r.text).toContain(`--resume: using the newest valid checkpoint, ${ckpt(out, 1)}`);
    expect(r.text).toContain(`removed ${stale}, left by an interrupted checkpoint write`);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(`${ckpt(out, 2)}.corrupt`)).toBe(true);
    expect((await readCheckpoint(ckpt(out, 2)) as { step: number }).step).toBe(2);
  });

  it('eval refuses a checkpoint holding a NaN weight (valid checksum) with exit code 1', async () => {
    const out = copyRun('nan');
    writeFileSync(ckpt(out, 2), rewriteCheckpointBlob(readFileSync(ckpt(out, 2)), (blob) => { blob[3] = Number.NaN; }));
    const r = await cli(['eval', '--checkpoint', ckpt(out, 2), '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/^tear-ssl: error: tear-ssl\.checkpoint: .*step-00000002\.ckpt: field 'variables\.values\[0\]' holds a non-finite value \(NaN\) at index 3/);
    // on the folder, eval says it skipped the NaN one and evaluates the newest valid one
    const folder = await cli(['eval', '--checkpoint', out, '--backend', 'cpu']);
    expect(folder.code, folder.text).toBe(0);
    expect(folder.text).toContain(`--checkpoint: using the newest valid checkpoint, ${ckpt(out, 1)}`);
  });

  it('a diverging run stops with exit 1 naming the step; every checkpoint left is finite', async () => {
    const out = join(root, 'diverge');
    const r = await cli(tinyTrain(out, ['--lr', '1e37'], 6));
    expect(r.code, r.text).toBe(1);
    expect(r.stderr[0]).toMatch(/^tear-ssl: error: training diverged at step \d+: .* is not finite \(NaN or ±Inf\); nothing of that step was applied/);
    expect(r.text).not.toMatch(/TearArgumentError|internal error/);
    for (const name of readdirSync(join(out, 'checkpoints'))) {
      const step = Number(/step-(\d+)/.exec(name)?.[1]);
      expect((await readCheckpoint(join(out, 'checkpoints', name)) as { step: number }).step).toBe(step);
    }
  });

  it('a huge --batch-size / --mu is a usage error, not a RangeError', async () => {
    const r = await cli(tinyTrain(join(root, 'huge'), ['--batch-size', '1000000', '--mu', '1000000']));
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/^tear-ssl: error: --batch-size 1000000 with --mu 1000000 makes \d+ images of 8×8×1 per step/);
  });
});

describe('data fingerprint (issue 10, class 2)', () => {
  const dataA = writeFolder(join(root, 'mnist-a'), idxFixture({ seed: 0 }));
  const dataB = writeFolder(join(root, 'mnist-b'), idxFixture({ seed: 1 }));
  const mnist = (out: string, data: string, extra: string[] = []) => [
    'train', '--dataset', 'mnist', '--data', data, '--labels', '20', '--validation', '0', '--method', 'fixmatch', '--steps', '1',
    '--batch-size', '4', '--mu', '1', '--checkpoint-every', '1', '--eval-every', '0', '--backend', 'cpu', '--no-progress', '--out', out, ...extra,
  ];

  it('eval and --resume refuse another data folder with other images; a moved copy of the same data is fine', async () => {
    const out = join(root, 'fp-run');
    const trained = await cli(mnist(out, dataA));
    expect(trained.code, trained.text).toBe(0);
    const evalOther = await cli(['eval', '--checkpoint', out, '--data', dataB, '--backend', 'cpu']);
    expect(evalOther.code).toBe(1);
    expect(evalOther.stderr[0]).toMatch(/^tear-ssl: error: .*mnist-b: this data is not what .*step-00000001\.ckpt was trained on: data fingerprint/);
    const resumeOther = await cli(['train', '--resume', out, '--data', dataB, '--steps', '1', '--backend', 'cpu', '--no-progress']);
    expect(resumeOther.code).toBe(1);
    expect(resumeOther.stderr[0]).toMatch(/this data is not what .* was trained on/);
    const moved = writeFolder(join(root, 'mnist-a-moved'), idxFixture({ seed: 0 }));
    const evalMoved = await cli(['eval', '--checkpoint', out, '--data', moved, '--backend', 'cpu']);
    expect(evalMoved.code, evalMoved.text).toBe(0);
  });

  it('eval refuses another --dataset than the run\'s', async () => {
    const r = await cli(['eval', '--checkpoint', join(root, 'fp-run'), '--dataset', 'fashion-mnist', '--data', dataA, '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/was trained on mnist .*, not fashion-mnist; leave --dataset out/);
  });

  it('without run.json, the checkpoint itself carries the settings and the fingerprint', async () => {
    const out = join(root, 'fp-run');
    unlinkSync(join(out, 'run.json'));
    const evalOther = await cli(['eval', '--checkpoint', out, '--data', dataB, '--backend', 'cpu']);
    expect(evalOther.code).toBe(1);
    expect(evalOther.stderr[0]).toMatch(/this data is not what .* was trained on/);
    const evalSame = await cli(['eval', '--checkpoint', out, '--backend', 'cpu']);
    expect(evalSame.code, evalSame.text).toBe(0);
  });
});
