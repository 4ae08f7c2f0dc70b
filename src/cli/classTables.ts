import type { ClassificationReport } from '../metrics/classificationReport';

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '–');
const auc = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '–');
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Class names for the tables: the data set's, or `0 … C−1` when it has none or too few. */
export function classLabels(numClasses: number, classNames?: readonly string[]): string[] {
  return Array.from({ length: numClasses }, (_, k) => classNames?.[k] ?? String(k));
}

/**
 * Markdown table of the per-class numbers of a classification report: precision, recall (= per-class
 * accuracy), F1, one-vs-rest AUC and support, one row per class (– where undefined, e.g. a class absent
 * from the split).
 */
export function perClassTable(report: ClassificationReport, classNames?: readonly string[]): string[] {
  const names = classLabels(report.perClass.support.length, classNames);
  // recall from `accuracy` (= recall, NaN for a class absent from the split, shown as –, not 0)
  const { precision, accuracy: recall, f1, auc: aucs, support } = report.perClass;
  return [
    '| class | precision | recall | F1 | AUC | support |',
    '|---|---:|---:|---:|---:|---:|',
    ...names.map((name, k) => `| ${cell(name)} | ${pct(precision[k])} | ${pct(recall[k])} | ${pct(f1[k])} | ${auc(aucs[k])} | ${support[k]} |`),
  ];
}

/** Markdown table of a confusion matrix: rows are the true classes, columns the predicted ones (counts). */
export function confusionMatrixTable(matrix: readonly (readonly number[])[], classNames?: readonly string[]): string[] {
  const names = classLabels(matrix.length, classNames);
  return [
    `| true \\ predicted | ${names.map(cell).join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
    ...matrix.map((row, k) => `| ${cell(names[k])} | ${row.join(' | ')} |`),
  ];
}
