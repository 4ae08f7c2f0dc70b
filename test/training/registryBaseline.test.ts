import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baselineRuns, BASELINE_CONFIGS, type BaselineRun } from '../fixtures/registry_baseline/run';
import { testBackend } from '../helpers/testBackend';
import { expectNoLeak } from '../helpers/tensors';

/** Computed at commit 9459edc (test/fixtures/registry_baseline/README.md), before the step context, Dash and AdaMatch. */
const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/registry_baseline/registry_baseline.json', import.meta.url), 'utf8')) as {
  commit: string; backends: Record<string, Record<string, BaselineRun>>;
};

describe('existing methods are bit-identical to commit 9459edc (issue 18, point 7)', () => {
  const expected = FIXTURE.backends[testBackend()];
  it('the fixture was made at 9459edc, for every baseline configuration', () => {
    expect(FIXTURE.commit).toBe('9459edcdb62edfd683af7f6fc37e68d4b78105ac');
    for (const backend of ['cpu', 'tensorflow']) expect(Object.keys(FIXTURE.backends[backend])).toEqual(Object.keys(BASELINE_CONFIGS));
  });

  it.skipIf(expected === undefined)(`FixMatch, TEAR (EMA and previous reference), FreeMatch, SoftMatch: 4 steps give the same logs, weights and EMA weights (${testBackend()})`, () => expectNoLeak(async () => {
    const runs = await baselineRuns();
    for (const [name, run] of Object.entries(runs)) {
      run.logs.forEach((logs, k) => expect(logs, `${name} step ${k}`).toEqual(expected[name].logs[k]));
      run.student.forEach((w, i) => expect(w, `${name} student variable ${i}`).toEqual(expected[name].student[i]));
      run.ema.forEach((w, i) => expect(w, `${name} EMA variable ${i}`).toEqual(expected[name].ema[i]));
    }
    // not vacuous: pseudo labels counted and IPH active in the stored runs
    expect(expected.fixmatch.logs.some((l) => l.maskRate > 0 && l.maskRate < 1)).toBe(true);
    expect(expected.tear.logs.every((l) => l.iph > 0)).toBe(true);
  }));
});
