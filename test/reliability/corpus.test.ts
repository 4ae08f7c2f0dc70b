import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCases } from './corpus/apiCases';
import { checkpointCases } from './corpus/checkpointCases';
import { configCases } from './corpus/configCases';
import { dataCases } from './corpus/dataCases';
import type { Case, Outcome } from './corpus/judge';
import { splitCases } from './corpus/splitCases';
import { cli, tinyTrain } from './helpers';

/**
 * The bad-input corpus (docs/reliability.md): generated data files, split files, configs, checkpoints
 * and API inputs, each run through the CLI (in process, `runCli`) or the API. Every case must end as a
 * clear error (exit code 1 for data, 2 for usage; the message names the file, field or argument) or as
 * a correct, checked result: no silent wrong result, no raw error, no unclear error, no good input refused.
 * Set TEAR_CORPUS_SUMMARY=<file> to write the outcome counts as JSON.
 */
const root = mkdtempSync(join(tmpdir(), 'tear-corpus-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const baseRun = join(root, 'base-run');
beforeAll(async () => {
  const r = await cli(tinyTrain(baseRun));
  expect(r.code, r.text).toBe(0);
}, 120_000);

const groups: Array<[string, Case[]]> = [
  ['data files', dataCases(join(root, 'data'))],
  ['split files', splitCases(join(root, 'split'))],
  ['configs and flags', configCases(join(root, 'config'))],
  ['checkpoints', checkpointCases(join(root, 'checkpoint'), () => baseRun)],
  ['API inputs', apiCases()],
];

const FAILURES: Outcome[] = ['silent-wrong', 'raw-error', 'unclear-error', 'false-refusal'];
const results: Array<{ id: string; group: string; via: string; outcome: Outcome; detail: string }> = [];

describe('bad-input corpus', () => {
  for (const [title, cases] of groups) {
    it(`${title}: ${cases.length} cases, each a clear error or a correct result`, async () => {
      const before = tf.memory().numTensors;
      const bad: string[] = [];
      for (const c of cases) {
        const v = await c.run();
        results.push({ id: c.id, group: c.group, via: c.via, ...v });
        if (FAILURES.includes(v.outcome)) bad.push(`${c.id}: ${v.outcome}: ${v.detail}`);
      }
      expect(bad, bad.join('\n')).toEqual([]);
      expect(tf.memory().numTensors, 'tensors leaked by the cases').toBe(before);
    }, 120_000);
  }

  it('summary', () => {
    const count = (pred: (r: (typeof results)[number]) => boolean) => results.filter(pred).length;
    const outcomes = Object.fromEntries(['clear-error', 'correct', ...FAILURES].map((o) => [o, count((r) => r.outcome === o)]));
    const byGroup = Object.fromEntries([...new Set(results.map((r) => r.group))].map((g) => [g, count((r) => r.group === g)]));
    const byEntry = { cli: count((r) => r.via === 'cli'), api: count((r) => r.via === 'api') };
    const summary = { cases: results.length, outcomes, byGroup, byEntry };
    if (process.env.TEAR_CORPUS_SUMMARY) writeFileSync(process.env.TEAR_CORPUS_SUMMARY, `${JSON.stringify({ ...summary, results }, null, 2)}\n`);
    expect(results.length).toBe(groups.reduce((s, [, c]) => s + c.length, 0));
    for (const o of FAILURES) expect(outcomes[o], o).toBe(0);
  });
});
