import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointDir, listCheckpoints, removeStaleTemporaries, resolveCheckpoint } from '../../src/cli/checkpointFiles';
import { readCheckpoint } from '../../src/training/checkpoint';
import { cli, tinyTrain } from './helpers';

/**
 * kill -9 during checkpoint writes. TEAR_FAULT_TRIALS sets the number of writer trials (default 3 in
 * CI; e.g. TEAR_FAULT_TRIALS=50 for a longer hunt); the CLI kill-and-resume trial runs once per 10.
 */
const TRIALS = Math.max(1, Number(process.env.TEAR_FAULT_TRIALS ?? 3));
const root = mkdtempSync(join(tmpdir(), 'tear-fault-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const repo = join(__dirname, '..', '..');

/** Seeded delays (ms), so a failing trial can be replayed by its number. */
const delay = (trial: number, max: number) => ((trial * 2654435761) % 4294967296) / 4294967296 * max;

function start(args: string[]): { child: ChildProcess; lines: string[]; waitFor: (re: RegExp) => Promise<void>; exited: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.splice(0)) (w.re.test(line) ? w.resolve() : waiters.push(w));
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => lines.push(`stderr: ${chunk.toString().trim()}`));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const waitFor = (re: RegExp) => new Promise<void>((resolve, reject) => {
    if (lines.some((l) => re.test(l))) return resolve();
    waiters.push({ re, resolve });
    void exited.then(() => reject(new Error(`child exited before printing ${re}:\n${lines.join('\n')}`)));
  });
  return { child, lines, waitFor, exited };
}

describe('kill -9 during checkpoint writes', () => {
  it(`${TRIALS} writer trial(s): every checkpoint left is whole, temporaries are cleaned, the newest valid one is found`, async () => {
    for (let trial = 1; trial <= TRIALS; trial++) {
      const out = join(root, `writer-${trial}`);
      const p = start(['test/reliability/fixtures/checkpointWriterLoop.ts', out, '2000000']);
      await p.waitFor(/^ready$/);
      await new Promise((r) => setTimeout(r, 50 + delay(trial, 600)));
      p.child.kill('SIGKILL');
      await p.exited;
      const reported = Math.max(0, ...p.lines.filter((l) => l.startsWith('wrote ')).map((l) => Number(l.slice(6))));
      const dir = checkpointDir(out);
      const files = listCheckpoints(dir);
      // atomic writes: every checkpoint file present is complete and holds its own step
      for (const { file, step } of files) {
        const payload = await readCheckpoint(file) as { step: number; values: { values: number[] } };
        expect(payload.step, file).toBe(step);
        expect(payload.values.values.every((v) => v === step), `${file} mixes steps`).toBe(true);
      }
      // the last reported write is there (or a later one, written before the kill landed)
      if (reported > 0) expect(files[files.length - 1].step, `trial ${trial}`).toBeGreaterThanOrEqual(reported);
      removeStaleTemporaries(dir);
      expect(readdirSync(dir).filter((n) => n.includes('.tmp-')), `trial ${trial}: temporaries left`).toEqual([]);
      if (files.length > 0) expect((await resolveCheckpoint(out, '--resume')).file).toBe(files[files.length - 1].file);
    }
  }, 60_000 + TRIALS * 5_000);

  const cliTrials = Math.max(1, Math.round(TRIALS / 10));
  it(`${cliTrials} CLI trial(s): tear-ssl train killed mid-run, then --resume ends bit-exact with an uninterrupted run`, async () => {
    const steps = 4;
    const reference = join(root, 'reference');
    const r = await cli(tinyTrain(reference, [], steps));
    expect(r.code, r.text).toBe(0);
    const finalOf = async (out: string) => (await readCheckpoint(join(out, 'checkpoints', `step-${String(steps).padStart(8, '0')}.ckpt`)) as { variables: { values: unknown }; ema: unknown; optimizer: unknown });
    const want = await finalOf(reference);
    for (let trial = 1; trial <= cliTrials; trial++) {
      const out = join(root, `cli-${trial}`);
      const p = start(['src/cli/main.ts', ...tinyTrain(out, [], steps)]);
      await p.waitFor(new RegExp(`^step ${1 + (trial % 2)}/${steps}`));
      await new Promise((res) => setTimeout(res, delay(trial, 80)));
      p.child.kill('SIGKILL');
      await p.exited;
      const resumed = await cli(['train', '--resume', out, '--backend', 'cpu', '--no-progress']);
      expect(resumed.code, `${resumed.text}\nkilled run:\n${p.lines.join('\n')}`).toBe(0);
      const got = await finalOf(out);
      expect(got.variables.values).toEqual(want.variables.values);
      expect(got.ema).toEqual(want.ema);
      expect(got.optimizer).toEqual(want.optimizer);
      expect(readdirSync(checkpointDir(out)).filter((n) => n.includes('.tmp-'))).toEqual([]);
      expect(readFileSync(join(out, 'run.json'), 'utf8')).toMatch(/"dataFingerprint": "[0-9a-f]{64}"/);
    }
  }, 120_000);
});
