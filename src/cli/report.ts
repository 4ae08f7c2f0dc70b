import type { ClassificationReport } from '../metrics/classificationReport';
import { confusionMatrixTable, perClassTable } from './classTables';
import type { EvalNumbers } from './metricsLog';

/** One row of the results table: which model, on which split, at which step. */
export interface ReportResult {
  /** e.g. "final", "best on validation". */
  label: string;
  model: 'student' | 'ema';
  split: 'validation' | 'test';
  step: number;
  metrics: EvalNumbers;
}

export interface ReportInput {
  title: string;
  /** The settings the run used (printed as a table of key → value). */
  settings: Record<string, unknown>;
  backend: { name: string; reason: string };
  run: { startStep: number; endStep: number; seconds: number; imagesPerSecond: number; date: string };
  dataSummary: string;
  results: readonly ReportResult[];
  /** SVG files next to report.md, or the reason there are none. */
  plots: { files: ReadonlyArray<{ file: string; title: string }>; note?: string };
  notes?: readonly string[];
  /** Per-class table and confusion matrix of one evaluation (the final EMA model on test), with its SVG plot if rendered. */
  classes?: PerClassSection;
}

/** The evaluation the per-class section shows. */
export interface PerClassSection {
  /** e.g. "EMA model, test split, step 400". */
  title: string;
  report: ClassificationReport;
  classNames?: readonly string[];
  /** File name of the confusion-matrix SVG next to report.md, if it was rendered. */
  plot?: string;
}

const pct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '–');
const auc = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '–');

/** Renders the end-of-run report as Markdown. Pure: the caller writes the file. */
export function renderReport(input: ReportInput): string {
  const lines: string[] = [`# ${input.title}`, ''];
  const { run } = input;
  const resumed = run.startStep > 0 ? ` (resumed at step ${run.startStep})` : '';
  lines.push(
    `Run finished ${run.date}: steps ${run.startStep}→${run.endStep}${resumed} in ${formatSeconds(run.seconds)}, ` +
      `${run.imagesPerSecond.toFixed(1)} training images/s.`,
    '',
    `Backend: ${input.backend.reason}.`,
    '',
    `Data: ${input.dataSummary}`,
    '',
    '## Results',
    '',
    '| result | model | split | step | top-1 | balanced acc. | macro-F1 | macro AUC |',
    '|---|---|---|---:|---:|---:|---:|---:|',
  );
  for (const r of input.results) {
    lines.push(`| ${r.label} | ${r.model} | ${r.split} | ${r.step} | ${pct(r.metrics.top1)} | ${pct(r.metrics.balancedAccuracy)} | ${pct(r.metrics.macroF1)} | ${auc(r.metrics.macroAuc)} |`);
  }
  if (input.results.length === 0) lines.push('| (no evaluation was run) | | | | | | | |');
  lines.push('');
  if (input.notes && input.notes.length > 0) {
    for (const note of input.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  if (input.classes) {
    const { title, report, classNames, plot } = input.classes;
    lines.push(`## Per class (${title})`, '', ...perClassTable(report, classNames), '', '### Confusion matrix', '',
      'Rows are the true classes, columns the predicted ones.', '', ...confusionMatrixTable(report.confusionMatrix, classNames), '');
    if (plot) lines.push(`![Confusion matrix](${plot})`, '');
  }
  lines.push('## Curves', '');
  for (const p of input.plots.files) lines.push(`![${p.title}](${p.file})`, '');
  if (input.plots.note) lines.push(input.plots.note, '');
  lines.push('## Configuration', '', '| option | value |', '|---|---|');
  for (const [key, value] of Object.entries(input.settings)) {
    if (value === undefined) continue;
    lines.push(`| ${key} | ${escapeCell(typeof value === 'string' ? value : JSON.stringify(value))} |`);
  }
  lines.push('');
  return lines.join('\n');
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function formatSeconds(s: number): string {
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(2)} h`;
}
