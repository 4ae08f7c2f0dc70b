import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listCheckpoints } from '../../src/cli/checkpointFiles';
import { memoryIo } from '../../src/cli/io';
import { MetricsLog, readMetricsLog } from '../../src/cli/metricsLog';
import { runSweep, type CellLauncher } from '../../src/cli/sweep/runSweep';
import { runSweepCommand } from '../../src/cli/sweep/sweepCommand';
import { parseSweepGrid } from '../../src/cli/sweep/sweepGrid';
import { shellWord } from '../../src/cli/writeFailure';
import { readCheckpoint } from '../../src/training/checkpoint';
import { appendFileWhole, writeFileAtomic, writeFileAtomicSync } from '../../src/util/atomicWrite';
import { asWriteFailure, systemReason, WriteFailedError } from '../../src/util/writeErrors';
import { cli, tinyTrain } from './helpers';

/**
 * Issue 22, point 1: a write refused by the system (a full disk, a read-only folder, no permission) is
 * one line naming what, where, why, the newest intact checkpoint and the command to go on; nothing
 * half-written is left where a reader would take it for good. The disk-full and read-only cases use
 * real filesystems: a tmpfs mounted by this test (root only; skipped with a message elsewhere).
 */

const root = mkdtempSync(join(tmpdir(), 'tear-write-failures-'));
const mounts: string[] = [];
let n = 0;
const scratch = (): string => {
  const dir = join(root, `s${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

afterAll(() => {
  // unmount even when a test failed (lazily, in case a handle is still open), then remove the folders
  for (const dir of mounts.reverse()) {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } catch { /* already gone */ }
  }
  rmSync(root, { recursive: true, force: true });
});

const mount = (dir: string, options: string): void => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  mounts.push(dir);
};
const remount = (dir: string, options: string): void => {
  execFileSync('mount', ['-o', `remount,${options}`, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Why a tmpfs cannot be mounted here (not root, no mount permission), or undefined when it can. */
function tmpfsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `${process.platform} is not Linux`;
  if (process.getuid?.() !== 0) return 'not running as root (mounting a tmpfs needs root)';
  const probe = scratch();
  try {
    mount(probe, 'size=64k');
    execFileSync('umount', [probe]);
    mounts.pop();
    return undefined;
  } catch (e) {
    return `mount -t tmpfs failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`;
  }
}

const noTmpfs = tmpfsUnavailable();
if (noTmpfs !== undefined) {
  console.warn(`test/reliability/writeFailures.test.ts: SKIPPING the full-disk and read-only-mount tests: ${noTmpfs}`);
}
const asRoot = process.getuid?.() === 0;

/** A newly mounted tmpfs of `size` (e.g. '3m'), under the test's folder. */
function tmpfs(size: string): string {
  const dir = scratch();
  mount(dir, `size=${size}`);
  return dir;
}

/** Writes zeros into `file` until the filesystem refuses (ENOSPC): the disk is then full. */
function fillDisk(file: string): void {
  try {
    writeFileSync(file, Buffer.alloc(64 << 20));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
}

const temporaries = (dir: string): string[] => readdirSync(dir).filter((f) => f.includes('.tmp-'));

describe('the reason in words', () => {
  const errno = (code: string, message = `${code}: something, write`): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

  it('names the five actionable codes in words and keeps the code; others keep the system\'s description', () => {
    expect(systemReason(errno('ENOSPC'))).toBe('disk full (ENOSPC)');
    expect(systemReason(errno('EDQUOT'))).toBe('disk quota exceeded (EDQUOT)');
    expect(systemReason(errno('EACCES'))).toBe('permission denied (EACCES)');
    expect(systemReason(errno('EPERM'))).toBe('permission denied (EPERM)');
    expect(systemReason(errno('EROFS'))).toBe('read-only filesystem (EROFS)');
    expect(systemReason(errno('EIO', 'EIO: i/o error, write'))).toBe('i/o error (EIO)');
    expect(systemReason(errno('EXYZ', 'odd'))).toBe('EXYZ');
  });

  it('wraps only system I/O errors, names the target and keeps an inner WriteFailedError', () => {
    const wrapped = asWriteFailure(errno('ENOSPC'), 'write the report', 'out/report.md');
    expect(wrapped).toBeInstanceOf(WriteFailedError);
    expect((wrapped as Error).message).toBe('tear-ssl: cannot write the report out/report.md: disk full (ENOSPC)');
    const plain = new TypeError('not I/O');
    expect(asWriteFailure(plain, 'write', 'x')).toBe(plain);
    expect(asWriteFailure(wrapped, 'write', 'other')).toBe(wrapped);
    expect((wrapped as WriteFailedError).withAdvice('go on').message).toBe('tear-ssl: cannot write the report out/report.md: disk full (ENOSPC); go on');
  });

  it('quotes a path for the shell only when it needs it', () => {
    expect(shellWord('runs/a-1/x_y.z')).toBe('runs/a-1/x_y.z');
    expect(shellWord("my runs/it's")).toBe("'my runs/it'\\''s'");
  });
});

describe('writes that fail without a special filesystem', () => {
  it('writeFileAtomic into a folder that is a file, or under one: a WriteFailedError naming that path and the reason in words', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'plain'), 'x');
    const error = await writeFileAtomic(join(dir, 'plain', 'report.md'), 'text', { what: 'report' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteFailedError);
    expect((error as Error).message).toBe(`tear-ssl: cannot create the folder ${join(dir, 'plain')}: not a directory (ENOTDIR)`);
    expect(() => writeFileAtomicSync(join(dir, 'plain', 'deeper', 'metrics.jsonl'), 'text', { what: 'metrics log' }))
      .toThrow(`tear-ssl: cannot create the folder ${join(dir, 'plain', 'deeper')}: not a directory (ENOTDIR)`);
    // a folder in the target's place: the rename fails, named by the target, and no temporary is left
    mkdirSync(join(dir, 'taken'));
    const taken = await writeFileAtomic(join(dir, 'taken'), 'text', { what: 'report' }).catch((e: unknown) => e);
    expect((taken as Error).message).toMatch(new RegExp(`^tear-ssl: cannot write the report ${join(dir, 'taken')}: .* \\(E[A-Z]+\\)$`));
    expect(temporaries(dir)).toEqual([]);
  });

  it('tear-ssl train with an --out under a file: one line, exit 1, no checkpoint yet, the same command again', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'file'), 'x');
    const out = join(dir, 'file', 'run');
    const r = await cli(tinyTrain(out));
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(new RegExp('^tear-ssl: error: cannot create the folder .*file/run/checkpoints: not a directory \\(ENOTDIR\\); ' +
      'no checkpoint was written yet, so nothing is lost but this run\'s steps; fix the cause \\(ENOTDIR\\), then run the same tear-ssl train command again \\(or give another --out\\)$'));
  }, 60_000);

  it('a sweep cell that failed for a full disk: the sweep repeats the cell\'s one-line reason', async () => {
    const dir = scratch();
    const grid = parseSweepGrid({ name: 'tiny', base: { dataset: 'digits', steps: 2 }, grids: [{ seed: [0] }] }, join(dir, 'tiny.json'));
    const reason = 'cannot write the checkpoint cells/seed-0/checkpoints/step-00000002.ckpt: disk full (ENOSPC); the newest good checkpoint, …';
    const failing: CellLauncher = async (_argv, paths) => {
      writeFileSync(paths.log, `step 1/2\ntear-ssl: error: ${reason}\n`);
      return 1;
    };
    const lines: string[] = [];
    const summary = await runSweep(grid, { launcher: failing, say: (line) => lines.push(line) });
    expect(summary.failed).toEqual([{ id: 'seed-0', code: 1 }]);
    expect(lines).toContain(`failed seed-0 (exit 1): ${reason}; see ${join(dir, 'cells', 'seed-0', 'train.log')}`);
  });

  it.skipIf(asRoot)('a read-only folder (chmod 0555, not root): permission denied, the newest checkpoint named, resume after chmod', async () => {
    const out = join(scratch(), 'run');
    expect((await cli(tinyTrain(out))).code).toBe(0);
    const runJson = readFileSync(join(out, 'run.json'), 'utf8');
    chmodSync(out, 0o555);
    chmodSync(join(out, 'checkpoints'), 0o555);
    try {
      const r = await cli(['train', '--resume', out, '--backend', 'cpu', '--no-progress']);
      expect(r.code).toBe(1);
      expect(r.stderr.at(-1)).toMatch(new RegExp(`^tear-ssl: error: cannot write the run record .*run\\.json: permission denied \\(EACCES\\); ` +
        `the newest good checkpoint, .*step-00000002\\.ckpt \\(step 2\\), is intact; make .*run writable, then run: tear-ssl train --resume ${out}$`));
      expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(runJson);
    } finally {
      chmodSync(out, 0o755);
      chmodSync(join(out, 'checkpoints'), 0o755);
    }
    const again = await cli(['train', '--resume', out, '--backend', 'cpu', '--no-progress']);
    expect(again.code, again.text).toBe(0);
  }, 120_000);
});

describe.skipIf(noTmpfs !== undefined)('a real full disk and a real read-only filesystem (tmpfs)', () => {
  it('training with a checkpoint every step until the disk fills: one line naming the checkpoint, the reason, the intact newest one and the resume command; resume works after making room', async () => {
    // A checkpoint of this run is about 1.1 MB; 3 MiB holds two and not the temporary of a third.
    const disk = tmpfs('3m');
    const out = join(disk, 'run');
    const r = await cli(tinyTrain(out, [], 6));
    expect(r.code, r.text).toBe(1);
    expect(r.stderr).toHaveLength(1);
    const line = r.stderr[0];
    const m = new RegExp('^tear-ssl: error: cannot write the checkpoint (.*/checkpoints/step-(\\d{8})\\.ckpt): disk full \\(ENOSPC\\); ' +
      `the newest good checkpoint, (.*/checkpoints/step-(\\d{8})\\.ckpt) \\(step (\\d+)\\), is intact; free space on that disk, then run: tear-ssl train --resume ${out}$`).exec(line);
    expect(m, line).not.toBeNull();
    const [, failed, failedStep, newest, newestStep, step] = m as RegExpExecArray;
    expect(Number(failedStep)).toBeGreaterThan(Number(newestStep));
    expect(Number(step)).toBe(Number(newestStep));
    // the failed checkpoint is not there, half or whole; no temporary is left; the newest on disk is the one named and it loads
    expect(existsSync(failed)).toBe(false);
    expect(temporaries(join(out, 'checkpoints'))).toEqual([]);
    const left = listCheckpoints(join(out, 'checkpoints'));
    expect(left.at(-1)?.file).toBe(newest);
    expect(((await readCheckpoint(newest)) as { step: number }).step).toBe(Number(step));
    // the metrics log ends in a whole line
    expect(readMetricsLog(join(out, 'metrics.jsonl')).filter((x) => x.type === 'step').length).toBeGreaterThanOrEqual(Number(step));

    remount(disk, 'size=32m');
    const resumed = await cli(['train', '--resume', out, '--backend', 'cpu', '--no-progress']);
    expect(resumed.code, resumed.text).toBe(0);
    expect(resumed.text).toContain(`resumed from ${newest} at step ${step}`);
    expect(listCheckpoints(join(out, 'checkpoints')).at(-1)?.step).toBe(6);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  }, 180_000);

  it('an append to a full disk that the system takes in part is cut back: the log never ends in half a line', () => {
    const disk = tmpfs('256k');
    const file = join(disk, 'metrics.jsonl');
    const log = new MetricsLog(file);
    log.open(0);
    // 4000 bytes: the file's page has 96 bytes left, and the disk none beyond it
    log.append({ type: 'step', step: 1, time: 't', pad: 'x'.repeat(4000 - '{"type":"step","step":1,"time":"t","pad":""}\n'.length) });
    const before = readFileSync(file, 'utf8');
    expect(before.length).toBe(4000);
    fillDisk(join(disk, 'filler'));
    expect(() => log.append({ type: 'step', step: 2, time: 't', pad: 'y'.repeat(1000) }))
      .toThrow(new RegExp(`^tear-ssl: cannot append to the metrics log ${file}: disk full \\(ENOSPC\\)$`));
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readMetricsLog(file)).toHaveLength(1);
    // the same helper, asked directly, writes whole or nothing
    expect(() => appendFileWhole(file, 'z'.repeat(5000))).toThrow(WriteFailedError);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('an atomic write to a full disk leaves the old file and no temporary', async () => {
    const disk = tmpfs('256k');
    const file = join(disk, 'run.json');
    await writeFileAtomic(file, 'old\n', { what: 'run record' });
    fillDisk(join(disk, 'filler'));
    const error = await writeFileAtomic(file, 'n'.repeat(100_000), { what: 'run record' }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`tear-ssl: cannot write the run record ${file}: disk full (ENOSPC)`);
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(temporaries(disk)).toEqual([]);
  });

  it('a run folder on a filesystem remounted read-only: the run record is refused, the newest checkpoint named intact, resume works once writable', async () => {
    const disk = tmpfs('16m');
    const out = join(disk, 'run');
    expect((await cli(tinyTrain(out))).code).toBe(0);
    const runJson = readFileSync(join(out, 'run.json'), 'utf8');
    remount(disk, 'ro');
    const r = await cli(['train', '--resume', out, '--backend', 'cpu', '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.stderr.at(-1)).toBe(`tear-ssl: error: cannot write the run record ${join(out, 'run.json')}: read-only filesystem (EROFS); ` +
      `the newest good checkpoint, ${join(out, 'checkpoints', 'step-00000002.ckpt')} (step 2), is intact; ` +
      `make that filesystem writable (or copy ${out} to a writable disk and resume the copy), then run: tear-ssl train --resume ${out}`);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(runJson);
    // a fresh run onto it: nothing written yet
    const fresh = await cli(tinyTrain(join(disk, 'other')));
    expect(fresh.code).toBe(1);
    expect(fresh.stderr.at(-1)).toMatch(/^tear-ssl: error: cannot create the folder .*other\/checkpoints: read-only filesystem \(EROFS\); no checkpoint was written yet/);
    remount(disk, 'rw');
    const again = await cli(['train', '--resume', out, '--backend', 'cpu', '--no-progress']);
    expect(again.code, again.text).toBe(0);
  }, 180_000);

  it('a sweep whose folder became read-only: the results file is named, finished cells intact, the sweep command to run again', async () => {
    const disk = tmpfs('4m');
    const gridFile = join(disk, 'tiny.json');
    writeFileSync(gridFile, JSON.stringify({ name: 'tiny', base: { dataset: 'digits', steps: 2 }, grids: [{ seed: [0, 1] }] }));
    const grid = parseSweepGrid(JSON.parse(readFileSync(gridFile, 'utf8')), gridFile);
    // a launcher that trains nothing: it writes the metrics a finished run would
    const fake: CellLauncher = async (_argv, paths) => {
      const test = (model: string) => ({ type: 'eval', step: 2, time: 't', split: 'test', model, top1: 0.5, balancedAccuracy: 0.5, macroF1: 0.5, macroAuc: 0.5 });
      writeFileSync(join(paths.dir, 'metrics.jsonl'), [{ type: 'run', time: 't', startStep: 0, settings: {}, backend: 'x' }, test('ema'), test('student')]
        .map((l) => `${JSON.stringify(l)}\n`).join(''));
      return 0;
    };
    expect((await runSweep(grid, { launcher: fake })).finished).toHaveLength(2);
    remount(disk, 'ro');
    const io = memoryIo();
    const error = await runSweepCommand({ grid: gridFile, parallel: 1, dryRun: false, renderOnly: true, launcher: fake }, io).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteFailedError);
    expect((error as Error).message).toBe(`tear-ssl: cannot write the sweep results ${join(disk, 'results.jsonl')}: read-only filesystem (EROFS); ` +
      `finished cells keep their result.json and interrupted ones their newest checkpoint; make that filesystem writable, then run: tear-ssl sweep ${gridFile} --render-only`);
  });
});
