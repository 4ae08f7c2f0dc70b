import { describe, expect, it } from 'vitest';
import { soakSummaryMarkdown, soakVerdict, type SoakRecord, type SoakSample } from '../../scripts/soakRecord';

/** The soak's verdict (scripts/soak.ts): what makes it fail, and the docs row. The soak itself is not in the unit suite. */

const tolerances = { numTensors: 0, numBytes: 0, rssMiB: 64, heapMiB: 32 };
const samples = (n: number, f: (i: number) => Partial<SoakSample> = () => ({})): SoakSample[] =>
  Array.from({ length: n }, (_, i) => ({ step: 10 * i, numTensors: 63, numBytes: 1000, rssMiB: 500, heapUsedMiB: 60, externalMiB: 9, seconds: i, ...f(i) }));

describe('soakVerdict', () => {
  it('passes flat memory; growth before the warm-up does not count', () => {
    const v = soakVerdict(samples(40, (i) => (i < 10 ? { numTensors: 50 + i, rssMiB: 300 + 20 * i } : {})), 100, tolerances);
    expect(v).toMatchObject({ pass: true, numTensorsGrowth: 0, numBytesGrowth: 0, rssGrowthMiB: 0, heapGrowthMiB: 0, failures: [] });
  });

  it('fails on one tensor more after warm-up, naming the steps', () => {
    const v = soakVerdict(samples(40, (i) => (i >= 30 ? { numTensors: 64 } : {})), 100, tolerances);
    expect(v.pass).toBe(false);
    expect(v.failures).toEqual(['tf.memory().numTensors grew by 1 after warm-up (63 at step 100, 64 at step 300; tolerance 0)']);
  });

  it('fails on RSS growing beyond the tolerance (medians of the first and last quarters), and on too few samples', () => {
    const v = soakVerdict(samples(40, (i) => ({ rssMiB: 500 + 3 * i })), 100, tolerances);
    expect(v.rssGrowthMiB).toBe(3 * (36 - 13));
    expect(v.rssSlopeMiBPer1000Steps).toBe(300);
    expect(v.failures).toEqual([expect.stringMatching(/^process RSS grew by 69 MiB after warm-up .*tolerance 64 MiB\)$/)]);
    expect(soakVerdict(samples(40, (i) => ({ rssMiB: 500 + 2 * i })), 100, tolerances).pass).toBe(true);
    expect(soakVerdict(samples(5), 30, tolerances).failures).toEqual([expect.stringMatching(/^only 2 samples after the warm-up of 30 steps/)]);
  });

  it('summarises a record as one row with its verdict and a link to it', () => {
    const s = samples(40);
    const record = {
      kind: 'tear-ssl soak', version: 1, command: 'npm run soak -- --steps 390',
      settings: { dataset: 'digits', method: 'tear', model: 'small-cnn', backend: 'tensorflow', steps: 390, every: 10, batchSize: 16, mu: 4, evalEvery: 97 },
      segment: { startStep: 0, started: 't', commit: 'abc123', load: { start: [1.5, 1, 1], end: [2.25, 1, 1] } },
      gcExposed: true, tolerances, samples: s, verdict: soakVerdict(s, 100, tolerances),
    } satisfies SoakRecord;
    const md = soakSummaryMarkdown([{ file: 'soak/records/x.json', record }]).split('\n');
    expect(md[2]).toBe('| [x.json](../soak/records/x.json) | abc123 | tensorflow | tear, 390 steps, sample every 10 | 100 | 63 (+0) | +0 B | +0 MiB (tol. 64; slope 0 MiB/1000 steps) | +0 MiB | 1.50 → 2.25 | pass |');
    expect(soakSummaryMarkdown([])).toMatch(/^No soak record is committed/);
  });
});
