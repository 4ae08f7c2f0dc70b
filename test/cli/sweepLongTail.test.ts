import { describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../../src/cli/metricsLog';
import { cellResultFrom, diagnosticsSummary, type CellResult } from '../../src/cli/sweep/cellResult';
import { parseSweepGrid } from '../../src/cli/sweep/sweepGrid';
import { minorityRecall, pairedDifferences, resultsMarkdown } from '../../src/cli/sweep/sweepResults';

const time = new Date(Date.UTC(2026, 0, 1)).toISOString();
const step = (s: number, values: Record<string, number>): MetricsRecord => ({ type: 'step', step: s, time, ...values });
const counts = (c: number, correct: number, predicted: number, kept: number, actual: number): Record<string, number> => ({
  [`pl.correct.${c}`]: correct, [`pl.predicted.${c}`]: predicted, [`pl.kept.${c}`]: kept, [`pl.actual.${c}`]: actual,
});

describe('diagnosticsSummary: per-class pseudo-label precision, recall and coverage from the summed counts', () => {
  it('sums pl.* over the second half of training and divides, leaving out zero denominators (fixture records)', () => {
    const records: MetricsRecord[] = [
      step(1, { maskRate: 0.1, ...counts(0, 100, 100, 100, 100), ...counts(1, 100, 100, 100, 100) }), // first half: ignored
      step(2, { maskRate: 0.1, ...counts(0, 100, 100, 100, 100) }), // step = steps/2: ignored
      step(3, { maskRate: 0.5, ...counts(0, 2, 4, 3, 5), ...counts(1, 0, 0, 1, 2), ...counts(2, 0, 0, 0, 3) }),
      step(4, { maskRate: 0.7, ...counts(0, 1, 2, 1, 5), ...counts(1, 1, 1, 1, 2), ...counts(2, 0, 0, 0, 3) }),
      { type: 'eval', step: 4, time, split: 'test', model: 'ema', top1: 0.5, balancedAccuracy: 0.5, macroF1: 0.5, macroAuc: 0.5 },
    ];
    const d = diagnosticsSummary(records, 4);
    expect(d.maskRate).toBeCloseTo(0.6, 12);
    // class 0: precision 3/6, recall 3/4, coverage 4/10; class 1: 1/1, 1/2, 2/4; class 2: nothing kept → coverage 0/6 only
    expect(d['pseudoLabelPrecision.0']).toBe(0.5);
    expect(d['pseudoLabelRecall.0']).toBe(0.75);
    expect(d['pseudoLabelCoverage.0']).toBe(0.4);
    expect(d['pseudoLabelPrecision.1']).toBe(1);
    expect(d['pseudoLabelRecall.1']).toBe(0.5);
    expect(d['pseudoLabelCoverage.1']).toBe(0.5);
    expect(d['pseudoLabelCoverage.2']).toBe(0);
    expect('pseudoLabelPrecision.2' in d).toBe(false);
    expect('pseudoLabelRecall.2' in d).toBe(false);
    // the raw counts are not averaged into the summary
    expect(Object.keys(d).some((k) => k.startsWith('pl.'))).toBe(false);
    expect(Object.keys(d).sort()).toEqual([
      'maskRate', 'pseudoLabelCoverage.0', 'pseudoLabelCoverage.1', 'pseudoLabelCoverage.2',
      'pseudoLabelPrecision.0', 'pseudoLabelPrecision.1', 'pseudoLabelRecall.0', 'pseudoLabelRecall.1',
    ]);
  });

  it('cellResultFrom keeps the per-class test recall, a logged null becoming NaN', () => {
    const grid = parseSweepGrid({ name: 'r', grids: [{ seed: [0] }] }, 'r.json');
    const evalRecord = (model: 'ema' | 'student', recall: unknown[]): MetricsRecord => ({
      type: 'eval', step: 4, time, split: 'test', model, top1: 0.5, balancedAccuracy: 0.4, macroF1: 0.3, macroAuc: 0.6, recall,
    } as unknown as MetricsRecord);
    const r = cellResultFrom(grid.cells[0], [evalRecord('student', [0.25, 0.5]), evalRecord('ema', [0.75, null])], { settingsHash: 'h', commit: 'c', steps: 4 });
    expect(r.test.ema.recall).toEqual([0.75, NaN]);
    expect(r.test.student.recall).toEqual([0.25, 0.5]);
  });
});

describe('sweep results on long-tailed data', () => {
  const cell = (method: string, seed: number, ema: { top1: number; bal: number; f1: number; auc: number; recall: number[] }, diagnostics: Record<string, number> = {}): CellResult => ({
    id: `method-${method}.seed-${seed}`, axes: { method, seed }, settings: {}, settingsHash: 'h', commit: 'abc', finished: time, backend: 'cpu', steps: 10,
    test: {
      ema: { top1: ema.top1, balancedAccuracy: ema.bal, macroF1: ema.f1, macroAuc: ema.auc, recall: ema.recall },
      student: { top1: 0.5, balancedAccuracy: 0.5, macroF1: 0.5, macroAuc: 0.5 },
    },
    diagnostics: { maskRate: 0.5, ...diagnostics }, secondsPerStep: 1, trainSeconds: 10,
  });
  const grid = parseSweepGrid({
    name: 'lt', metric: 'balancedAccuracy', baseline: { method: 'fixmatch' }, minorityClasses: [1, 2], classNames: ['NV', 'MEL', 'DF'],
    grids: [{ method: ['fixmatch', 'debiaspl'], seed: [0, 1] }],
  }, 'lt.json');
  const pl = (c: number, precision: number | undefined, recall: number | undefined, coverage: number): Record<string, number> => ({
    ...(precision === undefined ? {} : { [`pseudoLabelPrecision.${c}`]: precision }),
    ...(recall === undefined ? {} : { [`pseudoLabelRecall.${c}`]: recall }),
    [`pseudoLabelCoverage.${c}`]: coverage,
  });
  const results = [
    cell('fixmatch', 0, { top1: 0.90, bal: 0.60, f1: 0.55, auc: 0.80, recall: [0.95, 0.5, 0.3] }),
    cell('fixmatch', 1, { top1: 0.88, bal: 0.64, f1: 0.57, auc: 0.82, recall: [0.91, 0.6, 0.4] }),
    cell('debiaspl', 0, { top1: 0.85, bal: 0.70, f1: 0.62, auc: 0.84, recall: [0.85, 0.7, 0.6] }, { ...pl(0, 0.9, 0.8, 0.7), ...pl(1, 0.5, 0.4, 0.2), ...pl(2, undefined, undefined, 0.1) }),
    cell('debiaspl', 1, { top1: 0.86, bal: 0.66, f1: 0.60, auc: 0.86, recall: [0.89, 0.6, 0.5] }, { ...pl(0, 0.8, 0.6, 0.5), ...pl(1, 0.7, 0.6, 0.4), ...pl(2, 0.3, undefined, 0.1) }),
  ];

  it('parses metric, minorityClasses and classNames, refusing bad values with the key named', () => {
    expect(grid.metric).toBe('balancedAccuracy');
    expect(grid.minorityClasses).toEqual([1, 2]);
    expect(grid.classNames).toEqual(['NV', 'MEL', 'DF']);
    expect(() => parseSweepGrid({ metric: 'auc', grids: [{ seed: [0] }] }, 'm.json')).toThrow(/sweep file m\.json: 'metric' must be one of top1, balancedAccuracy, macroF1, macroAuc, got "auc"/);
    for (const bad of [[], [-1], [1.5], 'MEL']) {
      expect(() => parseSweepGrid({ minorityClasses: bad, grids: [{ seed: [0] }] }, 'm.json')).toThrow(/'minorityClasses' must be a non-empty array of class indices/);
    }
    expect(() => parseSweepGrid({ classNames: ['a', 1], grids: [{ seed: [0] }] }, 'm.json')).toThrow(/'classNames' must be an array of strings/);
  });

  it('minority recall is the mean recall of the minority classes; NaN without per-class recall or with a NaN one', () => {
    expect(minorityRecall(results[0], [1, 2])).toBeCloseTo(0.4, 12);
    expect(minorityRecall(results[3], [1, 2])).toBeCloseTo(0.55, 12);
    expect(minorityRecall({ ...results[0], test: { ...results[0].test, ema: { ...results[0].test.ema, recall: undefined } } }, [1])).toBeNaN();
    expect(minorityRecall({ ...results[0], test: { ...results[0].test, ema: { ...results[0].test.ema, recall: [0.9, NaN, 0.3] } } }, [1, 2])).toBeNaN();
  });

  it('paired differences use grid.metric (balanced accuracy), not top-1', () => {
    const paired = pairedDifferences(grid, results);
    expect(paired.map((p) => [p.group.key, p.baseline.key, p.differences.map((d) => [d.seed, +d.difference.toFixed(12)])])).toEqual([
      ['method debiaspl', 'method fixmatch', [[0, 0.1], [1, 0.02]]],
    ]);
    // the same cells compared on the default metric (top-1) give the other sign
    const onTop1 = pairedDifferences({ ...grid, metric: undefined }, results);
    expect(onTop1[0].differences.map((d) => +d.difference.toFixed(12))).toEqual([-0.05, -0.02]);
    const md = resultsMarkdown(grid, results);
    expect(md).toContain('Test balanced accuracy of the EMA model minus the baseline\'s');
    // +10 and +2 points: mean +6.0, sample std √((4² + 4²)/1) = 5.7
    expect(md).toContain('| debiaspl | 2 | +6.0 ± 5.7 | 0: +10.0, 1: +2.0 |');
  });

  it('renders the long-tail tables: balanced metrics and minority recall, recall per class, pseudo labels per class', () => {
    const md = resultsMarkdown(grid, results);
    expect(md).toContain('### Long tail: balanced metrics and minority classes');
    expect(md).toContain('Minority recall: mean recall of MEL, DF.');
    expect(md).toContain('| method | n | balanced acc. | macro-F1 | macro AUC | minority recall |');
    // std of two values a, b is |a − b|/√2: 0.04 → 2.8, 0.02 → 1.4, 0.1 → 7.1
    expect(md).toContain('| fixmatch | 2 | 62.0 ± 2.8 | 56.0 ± 1.4 | 81.0 ± 1.4 | 45.0 ± 7.1 |');
    expect(md).toContain('| debiaspl | 2 | 68.0 ± 2.8 | 61.0 ± 1.4 | 85.0 ± 1.4 | 60.0 ± 7.1 |');
    expect(md).toContain('### Test recall per class');
    expect(md).toContain('| method | NV | MEL | DF |');
    expect(md).toContain('| fixmatch | 93.0 ± 2.8 | 55.0 ± 7.1 | 35.0 ± 7.1 |');
    expect(md).toContain('| debiaspl | 87.0 ± 2.8 | 65.0 ± 7.1 | 55.0 ± 7.1 |');
    expect(md).toContain('### Pseudo labels per class');
    // only the groups with per-class counts; class 2's recall was never defined (–), its precision only in seed 1
    expect(md).toContain('| debiaspl | 85 / 70 / 60 | 60 / 50 / 30 | 30 / – / 10 |');
    const section = md.split('### Pseudo labels per class')[1].split('###')[0];
    expect(section).not.toContain('| fixmatch |');
    // a grid without minorityClasses has none of these tables
    const plain = resultsMarkdown({ ...grid, minorityClasses: undefined }, results);
    expect(plain).not.toContain('Long tail');
    expect(plain).not.toContain('recall per class');
  });
});
