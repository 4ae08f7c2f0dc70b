import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';
import { readMetricsLog, type MetricsRecord } from './metricsLog';
import { classLabels } from './classTables';
import { accuracyChartSpec, confusionMatrixSpec, lossChartSpec, renderSvg } from './plots';
import { renderReport, type PerClassSection, type ReportInput, type ReportResult } from './report';

/** The best validation evaluation (highest top-1, then balanced accuracy; the earliest on ties). */
export function bestValidation(records: readonly MetricsRecord[], model: 'student' | 'ema'): Extract<MetricsRecord, { type: 'eval' }> | undefined {
  let best: Extract<MetricsRecord, { type: 'eval' }> | undefined;
  for (const r of records) {
    if (r.type !== 'eval' || r.split !== 'validation' || r.model !== model) continue;
    if (best === undefined || r.top1 > best.top1 || (r.top1 === best.top1 && r.balancedAccuracy > best.balancedAccuracy)) best = r;
  }
  return best;
}

/**
 * The report's rows, from the metrics log: the final test evaluation (EMA, student), the best validation
 * evaluation of the EMA model and the test evaluation made at that step (model selection on validation).
 */
export function reportResults(records: readonly MetricsRecord[], finalStep: number): ReportResult[] {
  const evals = records.filter((r): r is Extract<MetricsRecord, { type: 'eval' }> => r.type === 'eval');
  const at = (step: number, split: 'validation' | 'test', model: 'student' | 'ema') =>
    evals.filter((r) => r.step === step && r.split === split && r.model === model).pop();
  const results: ReportResult[] = [];
  for (const model of ['ema', 'student'] as const) {
    const r = at(finalStep, 'test', model);
    if (r) results.push({ label: 'final', model, split: 'test', step: finalStep, metrics: r });
  }
  const best = bestValidation(records, 'ema');
  if (best) {
    results.push({ label: 'best on validation', model: 'ema', split: 'validation', step: best.step, metrics: best });
    const test = at(best.step, 'test', 'ema');
    if (test) results.push({ label: 'at best validation step', model: 'ema', split: 'test', step: best.step, metrics: test });
  }
  return results;
}

/**
 * Writes `<out>/report.md` and the SVG curves (`accuracy.svg`, `losses.svg`) from `<out>/metrics.jsonl`,
 * and, given `classes`, the per-class table, the confusion matrix and its plot (`confusion.svg`).
 * The plots need the optional vega and vega-lite packages; without them the report says so and
 * `note` is returned for the caller to print. Returns the report's path. Each file is written atomically;
 * a full disk is a `WriteFailedError` naming the file.
 */
export async function writeRunReport(
  out: string,
  input: Omit<ReportInput, 'plots' | 'results' | 'classes'> & { finalStep: number; classes?: Omit<PerClassSection, 'plot'> },
): Promise<{ file: string; note?: string }> {
  const records = readMetricsLog(join(out, 'metrics.jsonl'));
  const charts: Array<{ file: string; title: string; spec: ReturnType<typeof lossChartSpec> }> = [
    { file: 'accuracy.svg', title: 'Validation accuracy', spec: accuracyChartSpec(records) },
    { file: 'losses.svg', title: 'Training losses', spec: lossChartSpec(records) },
  ];
  const { classes } = input;
  if (classes) {
    const names = classLabels(classes.report.confusionMatrix.length, classes.classNames);
    charts.push({ file: 'confusion.svg', title: 'Confusion matrix', spec: confusionMatrixSpec(classes.report.confusionMatrix, names, `Confusion matrix (${classes.title})`) });
  }
  const files: Array<{ file: string; title: string }> = [];
  let note: string | undefined;
  for (const chart of charts) {
    if (chart.spec === undefined) continue;
    const rendered = await renderSvg(chart.spec);
    if ('missing' in rendered) {
      note = `Plots skipped: ${rendered.missing}. Install them with \`npm install vega vega-lite\` to get SVG curves.`;
      break;
    }
    await writeFileAtomic(join(out, chart.file), rendered.svg, { what: 'plot' });
    if (chart.file !== 'confusion.svg') files.push({ file: chart.file, title: chart.title });
  }
  const confusionPlot = classes && charts.some((c) => c.file === 'confusion.svg') && note === undefined ? 'confusion.svg' : undefined;
  const results = reportResults(records, input.finalStep);
  const file = join(out, 'report.md');
  const { finalStep: _, classes: __, ...rest } = input;
  await writeFileAtomic(file, renderReport({ ...rest, results, plots: { files, note }, classes: classes && { ...classes, plot: confusionPlot } }), { what: 'report' });
  return { file, note };
}
