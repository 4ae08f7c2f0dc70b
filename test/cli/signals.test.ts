import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointDir, listCheckpoints } from '../../src/cli/checkpointFiles';
import { readCheckpoint } from '../../src/training/checkpoint';
import { cli, tinyTrain } from '../reliability/helpers';
import { testBackend } from '../helpers/testBackend';
import { startNode } from './childProcess';

const root = mkdtempSync(join(tmpdir(), 'tear-signals-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SIGINT and SIGTERM', () => {
  it('a second SIGINT exits at once with 130, while the first is still finishing its step', async () => {
    const p = startNode(['test/cli/fixtures/stopProbe.ts']);
    await p.waitFor(/^ready$/);
    p.child.kill('SIGINT');
    await p.waitFor(/^stop requested: SIGINT$/);
    // stdout and stderr are separate pipes: the stderr line may arrive after the stdout one
    await p.waitFor(/^stderr: tear-ssl: SIGINT: finishing the current step, then writing a checkpoint; press Ctrl-C again to exit at once$/);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    expect(p.lines).toContainEqual('stderr: tear-ssl: second interrupt: exiting at once (the newest checkpoint on disk is intact)');
  });

  // Backend-independent (the runs name their own backend) and slow: run once, in the default cpu pass.
  it.skipIf(testBackend() !== 'cpu')('train stops after the step in progress, writes its checkpoint, says how to resume, exits 130 / 143; the resumed run ends bit-identical', async () => {
    const steps = 6;
    const args = (out: string) => tinyTrain(out, ['--checkpoint-every', '100'], steps);
    const reference = join(root, 'reference');
    const r = await cli(args(reference));
    expect(r.code, r.text).toBe(0);
    type Payload = { step: number; variables: { values: unknown }; ema: unknown; optimizer: unknown; states: unknown };
    const finalOf = async (out: string) => (await readCheckpoint(join(out, 'checkpoints', `step-${String(steps).padStart(8, '0')}.ckpt`))) as Payload;
    const want = await finalOf(reference);
    for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      const out = join(root, signal);
      const p = startNode(['src/cli/main.ts', ...args(out)]);
      await p.waitFor(/^step 2\/6/);
      p.child.kill(signal);
      expect(await p.exited, p.lines.join('\n')).toBe(code);
      const saved = listCheckpoints(checkpointDir(out));
      // --checkpoint-every 100: the only step checkpoint is the one the signal wrote, after a whole step
      expect(saved).toHaveLength(1);
      const stoppedAt = saved[0].step;
      expect(stoppedAt).toBeGreaterThanOrEqual(2);
      expect(stoppedAt).toBeLessThan(steps);
      expect(((await readCheckpoint(saved[0].file)) as Payload).step).toBe(stoppedAt);
      expect(p.lines).toContainEqual(`stderr: tear-ssl: ${signal}: finishing the current step, then writing a checkpoint; press Ctrl-C again to exit at once`);
      expect(p.lines).toContainEqual(`stderr: tear-ssl: train stopped by ${signal} after step ${stoppedAt} of ${steps}; checkpoint: ${saved[0].file}`);
      expect(p.lines).toContainEqual(`stderr:   resume with: tear-ssl train --resume ${out}`);
      expect(readdirSync(checkpointDir(out)).filter((n) => n.includes('.tmp-'))).toEqual([]);
      // the printed command, as printed
      const resumed = await cli(['train', '--resume', out]);
      expect(resumed.code, resumed.text).toBe(0);
      expect(resumed.text).toContain(`resumed from ${saved[0].file} at step ${stoppedAt}`);
      const got = await finalOf(out);
      expect(got.variables.values).toEqual(want.variables.values);
      expect(got.ema).toEqual(want.ema);
      expect(got.optimizer).toEqual(want.optimizer);
      expect(got.states).toEqual(want.states);
      expect(existsSync(join(out, 'report.md'))).toBe(true);
    }
  }, 180_000);
});
