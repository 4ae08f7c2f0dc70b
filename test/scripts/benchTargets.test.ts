import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abResultsMarkdown, benchTargets, benchTargetsMarkdown, leadingNumber, markdownTables } from '../../scripts/benchTargets';

const RAW = `## Training step

| model | engine | cores | ms/step (median) | img/s | vs PyTorch, same cores |
|---|---|---|---|---|---|
| small CNN 28×28×1 | tear-ssl wasm, 1 process | 1 | 179 | 356.7 | 0.23× |
| small CNN 28×28×1 | PyTorch 1.13.0a0 CPU, 1 thread | 1 | 42 | 1541.9 | 1.00× |
| WRN-28-2 32×32×3 | tear-ssl wasm, 1 process | 1 | 900 | 70 | 0.55× |
`;

const NEW_SSL = `| model | backend | B | μ | fixmatch ms | tear ms | tear ÷ fixmatch, per round: median (range) | reference forward ms | (fixmatch + reference forward) ÷ fixmatch | PyTorch FixMatch ms | our FixMatch speed ÷ PyTorch's, per round: median (range) | fixmatch img/s | CPU ms: fixmatch / tear / PyTorch |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
| small CNN 28×28×1 | tensorflow | 32 | 3 | 87 | 107 | 1.18 (1.13–1.46) | 9 | 1.10 | 90 | 1.03 (0.97–1.08)× | 2573.6 | 140 / 165 / 180 |
| small CNN 28×28×1 | wasm | 32 | 3 | 590 | 651 | 1.10 (1.08–1.13) | 60 | 1.10 | – | – | 379.4 | 643 / 725 / – |
| small CNN 28×28×1 | tensorflow | 64 | 7 | 317 | 406 | 1.24 (1.17–1.29) | 30 | 1.09 | 1055 | 3.29 (1.91–4.07)× | 3032.8 | 1 / 2 / 3 |
| WRN-28-2 32×32×3 | tensorflow | 32 | 3 | 1022 | 1185 | 1.09 (1.05–1.19) | 120 | 1.12 | 1279 | 0.99 (0.96–1.30)× | 219.2 | 1797 / 2078 / 2361 |
`;

// A record from before the SSL table had a model column (its rows are the small CNN's).
const OLD_SSL = `| backend | B | μ | fixmatch ms | tear ms | tear ÷ fixmatch, per round: median (range) | PyTorch FixMatch ms | our FixMatch speed ÷ PyTorch's, per round: median (range) | fixmatch img/s | CPU ms: fixmatch / tear / PyTorch |
|---|---|---|---|---|---|---|---|---|---|
| tensorflow | 32 | 3 | 94 | 107 | 1.14 (1.06–1.28) | 91 | 0.98 (0.93–1.10)× | 2391.7 | 140 / 158 / 181 |
`;

describe('benchTargets', () => {
  it('parses markdown tables and leading numbers', () => {
    const tables = markdownTables(`text\n${RAW}\nmore\n${NEW_SSL}`);
    expect(tables.map((t) => t.rows.length)).toEqual([3, 4]);
    expect(tables[0].header[5]).toBe('vs PyTorch, same cores');
    expect(leadingNumber('0.98 (0.93–1.10)×')).toBe(0.98);
    expect(leadingNumber('–')).toBeUndefined();
  });

  it('reads each target from the row of its model, backend and B×μ, and judges it against the goal', () => {
    const t = benchTargets(`${RAW}\n${NEW_SSL}`);
    expect(t.map((x) => [x.cell, x.met])).toEqual([
      ['1.03 (0.97–1.08)×', true], // small CNN, tensorflow 32×3 (not wasm's row, not 64×7's)
      ['1.18 (1.13–1.46)', false],
      ['0.99 (0.96–1.30)×', false], // WRN: below 1.0
      ['1.09 (1.05–1.19)', true],
      ['0.23×', false],
      ['0.55×', true],
    ]);
    expect(t[1].note).toBe('floor from the reference forward alone: 1.10');
    expect(t[4].note).toBeUndefined(); // no ceiling table in this record
  });

  it('notes the wasm ceiling of each model when the record has one', () => {
    const ceiling = `| model | training GFLOP per step (batch 64) | ms at the GEMM rate | ceiling vs PyTorch, 1 thread | measured vs PyTorch, 1 thread |
|---|---|---|---|---|
| small CNN 28×28×1 | 2.83 | 69 | 0.62× | 0.31× |
| WRN-28-2 32×32×3 | 82.25 | 2008 | 0.34× | 0.21× |
`;
    const t = benchTargets(`${RAW}\n${NEW_SSL}\n${ceiling}`);
    expect(t[4].note).toBe('ceiling with every FLOP at XNNPACK\'s GEMM rate: 0.62×');
    expect(t[5].note).toBe('ceiling with every FLOP at XNNPACK\'s GEMM rate: 0.34×');
  });

  it('reads an older record without a model column as the small CNN, and says what a record lacks', () => {
    const t = benchTargets(`${RAW}\n${OLD_SSL}`);
    expect(t[0]).toMatchObject({ cell: '0.98 (0.93–1.10)×', met: false });
    expect(t[1]).toMatchObject({ cell: '1.14 (1.06–1.28)', met: false, note: undefined });
    expect(t[2]).toMatchObject({ cell: undefined, met: undefined });
    const md = benchTargetsMarkdown(`${RAW}\n${OLD_SSL}`, '../bench/records/x.md');
    expect(md).toContain('[bench/records/x.md](../bench/records/x.md)');
    expect(md).toContain('| WRN-28-2: FixMatch step on tfjs-node ≥ 1.0× PyTorch\'s (B = 32, μ = 3, 2 threads each) | not in the record | – |');
    expect(benchTargetsMarkdown(undefined, undefined)).toMatch(/No benchmark record/);
  });

  it('lists the A/B records oldest first with title, verdict and table', () => {
    const root = mkdtempSync(join(tmpdir(), 'ab-'));
    try {
      expect(abResultsMarkdown(root)).toMatch(/No A\/B record/);
      mkdirSync(join(root, 'bench', 'results'), { recursive: true });
      writeFileSync(join(root, 'bench', 'results', '2026-01-02-ab-second.md'), '# Second\n\nVerdict: dropped.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
      writeFileSync(join(root, 'bench', 'results', '2026-01-01-ab-first.md'), '# First\n\nVerdict: kept.\n\n| a |\n|---|\n| 3 |\n');
      writeFileSync(join(root, 'bench', 'results', 'kernel-counts.md'), '# not an A/B\n');
      const md = abResultsMarkdown(root);
      expect(md.indexOf('**First**')).toBeLessThan(md.indexOf('**Second**'));
      expect(md).toContain('Verdict: kept.');
      expect(md).toContain('| 1 | 2 |');
      expect(md).not.toContain('not an A/B');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
