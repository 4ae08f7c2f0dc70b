import { describe, expect, it } from 'vitest';
import { demoTable, type DemoRow } from '../../src/cli/demoCommand';
import type { MetricsRecord } from '../../src/cli/metricsLog';
import { confusionMatrixTable, perClassTable } from '../../src/cli/classTables';
import { accuracyChartSpec, confusionMatrixSpec, lossChartSpec } from '../../src/cli/plots';
import { classificationReport } from '../../src/metrics/classificationReport';
import { formatDuration, formatStepLine } from '../../src/cli/progress';
import { renderReport } from '../../src/cli/report';
import { bestValidation, reportResults } from '../../src/cli/writeRunReport';

const numbers = (top1: number) => ({ top1, balancedAccuracy: top1 - 0.01, macroF1: top1 - 0.02, macroAuc: 0.9 });
const row = (method: DemoRow['method'], emaTop1: number): DemoRow => ({
  method,
  outcome: {
    out: '/x', backend: 'wasm', startStep: 0, endStep: 400, seconds: 60, imagesPerSecond: 100, reportFile: '/x/report.md',
    test: { ema: numbers(emaTop1), student: numbers(emaTop1 - 0.05) },
  },
});

describe('demoTable', () => {
  it('names the winner and each comparison honestly', () => {
    const lines = demoTable([row('supervised', 0.7), row('fixmatch', 0.8), row('tear', 0.75)], 185);
    expect(lines).toContain('| supervised only | 70.0% | 69.0% | 68.0% | 65.0% | 60 s |');
    expect(lines).toContain('Result: FixMatch won, with 80.0% test top-1.');
    expect(lines).toContain('- FixMatch beat supervised only by 10.0 points.');
    expect(lines).toContain('- TEAR (FixMatch + AdaPL + IPH) did NOT beat FixMatch here (-5.0 points).');
    expect(lines.at(-1)).toMatch(/^One seed, 3 runs in 185 s in total/);
  });

  it('says when FixMatch loses to supervised and reports ties', () => {
    const lines = demoTable([row('supervised', 0.8), row('fixmatch', 0.7), row('tear', 0.8)], 10);
    expect(lines).toContain('- FixMatch did NOT beat supervised only here (-10.0 points).');
    expect(lines).toContain('Result: a tie at 80.0% test top-1 between supervised only and TEAR (FixMatch + AdaPL + IPH).');
    expect(lines).toContain('- TEAR (FixMatch + AdaPL + IPH) beat FixMatch by 10.0 points.');
  });

  it('marks a --quick table as noise', () => {
    const lines = demoTable([row('supervised', 0.1)], 2.5, true);
    expect(lines.at(-1)).toBe('--quick: 1 runs of a few steps in 2.5 s, a smoke test; these accuracies are noise. Run without --quick for the comparison.');
  });
});

describe('progress lines', () => {
  it('formats durations', () => {
    expect([formatDuration(5.4), formatDuration(185), formatDuration(3725), formatDuration(Number.NaN)]).toEqual(['5s', '3m05s', '1h02m', '?']);
  });

  it('shows step, losses, mask rate, images/s and ETA, leaving out absent terms', () => {
    expect(formatStepLine(10, 300, { loss: 1.23456, supervisedLoss: 1, unlabeledLoss: 0.2, terms: { iph: 0.03456 }, maskRate: 0.456 }, 123.45, 65))
      .toBe('step 10/300 | loss 1.235 (sup 1.000, unl 0.200, iph 0.035) | mask 0.46 | 123.5 img/s | ETA 1m05s');
    expect(formatStepLine(1, 2, { loss: 2, supervisedLoss: 2 }, 7, Number.NaN)).toBe('step 1/2 | loss 2.000 (sup 2.000) | 7.0 img/s | ETA ?');
  });
});

const evalRecord = (step: number, split: 'validation' | 'test', model: 'student' | 'ema', top1: number): MetricsRecord =>
  ({ type: 'eval', step, time: 't', split, model, ...numbers(top1) });

describe('report results', () => {
  const records: MetricsRecord[] = [
    { type: 'step', step: 10, time: 't', loss: 2, supervised: 1.5 } as MetricsRecord,
    evalRecord(100, 'validation', 'ema', 0.6), evalRecord(100, 'test', 'ema', 0.55),
    evalRecord(200, 'validation', 'ema', 0.7), evalRecord(200, 'validation', 'student', 0.9), evalRecord(200, 'test', 'ema', 0.66),
    evalRecord(300, 'validation', 'ema', 0.7),
    evalRecord(300, 'test', 'ema', 0.69), evalRecord(300, 'test', 'student', 0.71),
  ];

  it('picks the earliest best validation of the model asked for', () => {
    expect(bestValidation(records, 'ema')?.step).toBe(200);
    expect(bestValidation(records, 'student')?.step).toBe(200);
    expect(bestValidation([], 'ema')).toBeUndefined();
  });

  it('lists final test, best validation and the test at that step', () => {
    const rows = reportResults(records, 300).map((r) => `${r.label}/${r.model}/${r.split}/${r.step}/${r.metrics.top1}`);
    expect(rows).toEqual(['final/ema/test/300/0.69', 'final/student/test/300/0.71', 'best on validation/ema/validation/200/0.7', 'at best validation step/ema/test/200/0.66']);
  });

  it('renders the Markdown report with percentages, the backend and the configuration', () => {
    const md = renderReport({
      title: 'tear-ssl tear on digits', settings: { dataset: 'digits', steps: 300, note: 'a|b', absent: undefined },
      backend: { name: 'wasm', reason: 'wasm (kernels)' },
      run: { startStep: 100, endStep: 300, seconds: 90, imagesPerSecond: 250, date: 'D' },
      dataSummary: 'digits: 50 labeled', results: reportResults(records, 300), plots: { files: [{ file: 'accuracy.svg', title: 'Acc' }], note: 'Plots skipped.' },
    });
    expect(md).toContain('Run finished D: steps 100→300 (resumed at step 100) in 90.0 s, 250.0 training images/s.');
    expect(md).toContain('Backend: wasm (kernels).');
    expect(md).toContain('| final | ema | test | 300 | 69.00% | 68.00% | 67.00% | 0.9000 |');
    expect(md).toContain('![Acc](accuracy.svg)');
    expect(md).toContain('| note | a\\|b |');
    expect(md).not.toContain('absent');
  });

  it('builds Vega-Lite specs only from what was logged', () => {
    const acc = accuracyChartSpec(records) as { data: { values: Array<{ step: number; series: string }> } };
    expect(acc.data.values.filter((v) => v.series === 'ema top-1').map((v) => v.step)).toEqual([100, 200, 300]);
    const loss = lossChartSpec(records) as { data: { values: Array<{ term: string; value: number }> } };
    expect(loss.data.values).toEqual([{ step: 10, value: 2, term: 'total' }, { step: 10, value: 1.5, term: 'supervised' }]);
    expect(lossChartSpec([])).toBeUndefined();
    expect(accuracyChartSpec([])).toBeUndefined();
  });
});

describe('per-class table and confusion matrix', () => {
  it('renders a classification report computed by hand: 2 classes, predictions [0, 1, 1, 1] for labels [0, 0, 1, 1]', () => {
    const report = classificationReport([0, 0, 1, 1], [[0.9, 0.1, 0], [0.4, 0.6, 0], [0.2, 0.8, 0], [0.3, 0.7, 0]], 3);
    // class 0: precision 1/1, recall 1/2, F1 2/3, AUC 1 (0.9 and 0.4 above 0.2 and 0.3); class 1: precision 2/3, recall 1, F1 0.8; class 2 absent
    expect(perClassTable(report, ['cat', 'dog|wolf'])).toEqual([
      '| class | precision | recall | F1 | AUC | support |',
      '|---|---:|---:|---:|---:|---:|',
      '| cat | 100.00% | 50.00% | 66.67% | 1.0000 | 2 |',
      '| dog\\|wolf | 66.67% | 100.00% | 80.00% | 1.0000 | 2 |',
      '| 2 | 0.00% | – | 0.00% | – | 0 |',
    ]);
    expect(confusionMatrixTable(report.confusionMatrix)).toEqual([
      '| true \\ predicted | 0 | 1 | 2 |', '|---|---:|---:|---:|', '| 0 | 1 | 1 | 0 |', '| 1 | 0 | 2 | 0 |', '| 2 | 0 | 0 | 0 |',
    ]);
    const spec = confusionMatrixSpec(report.confusionMatrix, ['a', 'b', 'c'], 't') as { data: { values: Array<{ true: string; predicted: string; count: number; fraction: number }> } };
    expect(spec.data.values.find((v) => v.true === 'a' && v.predicted === 'b')).toEqual({ true: 'a', predicted: 'b', count: 1, fraction: 0.5 });
    expect(spec.data.values.find((v) => v.true === 'c' && v.predicted === 'c')?.fraction).toBe(0);
  });
});
