import { describe, expect, it } from 'vitest';
import { headReproductionMarkdown } from '../../scripts/renderDocs';
import type { CellResult } from '../../src/cli/sweep/cellResult';

/** A cell result with only what the block reads; the test numbers are the EMA and student metrics. */
function cell(method: string, seed: number, top1: number, opts: { commit?: string; hash?: string; auc?: number } = {}): CellResult {
  const numbers = { top1, balancedAccuracy: top1, macroF1: top1 - 0.01, macroAuc: opts.auc ?? 0.9 };
  return {
    id: `labels-40.method-${method}.seed-${seed}`,
    axes: { labels: 40, method, seed },
    settings: {},
    settingsHash: opts.hash ?? `hash-${method}-${seed}`,
    commit: opts.commit ?? 'aaaa',
    segments: [{ startStep: 0, endStep: 1400, commit: opts.commit ?? 'aaaa' }],
    finished: '2026-12-07T00:00:00.000Z',
    backend: 'tensorflow',
    steps: 1400,
    test: { ema: numbers, student: numbers },
    diagnostics: {},
    secondsPerStep: 0.1,
    trainSeconds: 140,
  } as unknown as CellResult;
}

describe('docs/results.md: the HEAD re-run beside the recorded cells', () => {
  it('gives each cell\'s difference in points, whether every test number is equal, and the per-method mean ± std', () => {
    const recorded = [cell('fixmatch', 0, 0.70), cell('fixmatch', 1, 0.68), cell('tear', 0, 0.66), cell('tear', 1, 0.65)];
    const head = [
      cell('fixmatch', 0, 0.71, { commit: 'bbbb' }), cell('fixmatch', 1, 0.68, { commit: 'bbbb', auc: 0.91 }),
      cell('tear', 0, 0.66, { commit: 'bbbb' }), cell('tear', 1, 0.65, { commit: 'bbbb' }),
    ];
    const md = headReproductionMarkdown(recorded, head);
    expect(md).toContain('| labels-40.method-fixmatch.seed-0 | 70.0 | `aaaa` (1 segment) | 71.0 | `bbbb` (1 segment) | +1.0 | no |');
    // Same top-1, but the macro AUC differs: not equal to the last bit.
    expect(md).toContain('| labels-40.method-fixmatch.seed-1 | 68.0 | `aaaa` (1 segment) | 68.0 | `bbbb` (1 segment) | +0.0 | no |');
    expect(md).toContain('| labels-40.method-tear.seed-0 | 66.0 | `aaaa` (1 segment) | 66.0 | `bbbb` (1 segment) | +0.0 | yes |');
    // fixmatch: differences +1 and 0 → mean +0.5, sample std 0.707 points.
    expect(md).toContain('`fixmatch` +0.5 ± 0.7 (largest 1.0, n = 2); `tear` +0.0 ± 0.0 (largest 0.0, n = 2)');
    // TEAR − FixMatch: recorded −4, −3 → −3.5 ± 0.7; HEAD −5, −3 → −4.0 ± 1.4.
    expect(md).toContain('recorded −3.5 ± 0.7 (n = 2), HEAD −4.0 ± 1.4 (n = 2)');
  });

  it('refuses a re-run cell whose settings differ from the recorded cell of the same id', () => {
    expect(() => headReproductionMarkdown([cell('tear', 0, 0.66)], [cell('tear', 0, 0.66, { hash: 'other' })]))
      .toThrow(/labels-40\.method-tear\.seed-0: the re-run's settings hash other differs/);
  });

  it('says so when no re-run cell has finished', () => {
    expect(headReproductionMarkdown([cell('tear', 0, 0.66)], [])).toBe('No cell of the HEAD re-run has finished yet.\n');
  });
});
