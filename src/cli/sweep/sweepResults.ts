import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomicWrite';
import { readMetricsLog } from '../metricsLog';
import { renderSvg, type VegaLiteSpec } from '../plots';
import type { CellResult } from './cellResult';
import { cellPaths, settingsHash } from './sweepCells';
import type { StudyMetric, SweepGrid } from './sweepGrid';

/** Results of one group of cells (same axes but the seed). */
export interface GroupSummary {
  key: string;
  axes: Record<string, string | number | boolean>;
  cells: CellResult[];
}

/** The finished cells of a grid (result.json for the grid's current settings), in grid order. */
export function finishedCells(grid: SweepGrid, out: string): CellResult[] {
  const results: CellResult[] = [];
  for (const cell of grid.cells) {
    const file = cellPaths(out, cell).result;
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8')) as CellResult;
    if (r.settingsHash === settingsHash(cell.settings)) results.push(r);
  }
  return results;
}

/** Groups cells by every axis but the seed, in first-appearance order. */
export function groupCells(grid: SweepGrid, results: readonly CellResult[]): GroupSummary[] {
  const groups = new Map<string, GroupSummary>();
  for (const r of results) {
    const axes = Object.fromEntries(Object.entries(r.axes).filter(([k]) => k !== grid.seedKey));
    const key = Object.entries(axes).map(([k, v]) => `${k} ${v}`).join(', ') || 'all';
    const g = groups.get(key) ?? { key, axes, cells: [] };
    g.cells.push(r);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** Mean and sample standard deviation (n − 1; NaN for n < 2) of the finite values. */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? NaN : Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, std, n };
}

const pct = (v: number): string => (Number.isFinite(v) ? (100 * v).toFixed(1) : '–');
const num = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');
/** "+0.012 ± 0.004" (or "+0.012" for one value): a signed difference with 3 decimals. */
const signed = ({ mean, std, n }: { mean: number; std: number; n: number }): string => {
  const f = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
  return n < 2 ? f(mean) : `${f(mean)} ± ${Math.abs(std).toFixed(3)}`;
};
const pm = (values: readonly number[], fmt: (v: number) => string = pct): string => {
  const { mean, std, n } = meanStd(values);
  if (n === 0) return '–';
  return n < 2 ? `${fmt(mean)}` : `${fmt(mean)} ± ${fmt(std)}`;
};

/** The markdown of the results: tables from the cells' result files, links to the curves. */
export function resultsMarkdown(grid: SweepGrid, results: readonly CellResult[], curves: readonly string[] = []): string {
  const groups = groupCells(grid, results);
  const axisKeys = [...new Set(groups.flatMap((g) => Object.keys(g.axes)))];
  const lines: string[] = [];
  const seedKey = String(grid.seedKey);
  lines.push(`Sweep **${grid.name}**: ${results.length} of ${grid.cells.length} cells finished. ` +
    `Test metrics of the last-step EMA model (no model selection on test); mean ± sample std over ${seedKey}s, in %.`, '');
  if (results.length === 0) {
    lines.push('No cell has finished yet: nothing to report.', '', '### Settings', '', 'Base settings of every cell:', '', '```json', JSON.stringify(grid.base, null, 2), '```', '');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`| ${axisKeys.join(' | ')} | n | top-1 | balanced acc. | macro-F1 | top-1 per ${seedKey} | student top-1 |`);
  lines.push(`|${axisKeys.map(() => '---').join('|')}|---:|---:|---:|---:|---|---:|`);
  for (const g of groups) {
    const perSeed = g.cells.map((c) => `${c.axes[seedKey] ?? '?'}: ${pct(c.test.ema.top1)}`).join(', ');
    lines.push(`| ${axisKeys.map((k) => String(g.axes[k] ?? '')).join(' | ')} | ${g.cells.length} | ${pm(g.cells.map((c) => c.test.ema.top1))} | ` +
      `${pm(g.cells.map((c) => c.test.ema.balancedAccuracy))} | ${pm(g.cells.map((c) => c.test.ema.macroF1))} | ${perSeed} | ${pm(g.cells.map((c) => c.test.student.top1))} |`);
  }
  if (grid.minorityClasses !== undefined) lines.push('', ...longTailTables(grid, groups, axisKeys));
  for (const baseline of [grid.baseline, ...(grid.moreBaselines ?? [])]) {
    if (baseline === undefined) continue;
    const paired = pairedDifferences(grid, results, baseline);
    if (paired.length === 0) continue;
    const baselineName = Object.entries(baseline).map(([k, v]) => `${k} ${v}`).join(', ');
    const metricName = METRIC_NAMES[grid.metric ?? 'top1'];
    lines.push('', `### Paired differences from the baseline (${baselineName}) on the same ${seedKey}`, '');
    lines.push(`Test ${metricName} of the EMA model minus the baseline's, in points, for each ${seedKey} both have (same labeled set and split); mean ± sample std over ${seedKey}s.`, '');
    lines.push(`| ${axisKeys.join(' | ')} | n | difference | per ${seedKey} |`);
    lines.push(`|${axisKeys.map(() => '---').join('|')}|---:|---:|---|`);
    const points = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(1)}`;
    for (const p of paired) {
      const { mean, std, n } = meanStd(p.differences.map((d) => d.difference));
      lines.push(`| ${axisKeys.map((k) => String(p.group.axes[k] ?? '')).join(' | ')} | ${n} | ${points(mean)}${n < 2 ? '' : ` ± ${(100 * std).toFixed(1)}`} | ` +
        `${p.differences.map((d) => `${d.seed}: ${points(d.difference)}`).join(', ')} |`);
    }
  }
  lines.push('', '### Pseudo labels and loss estimators (unlabeled training data, hidden labels, second half of training)', '');
  lines.push('Mask rate and pseudo-label accuracy in %; Spearman ρ of a score with the true per-sample loss and its AUROC for wrong pseudo labels. ' +
    '"naive" is 1 − max p; "estimate" is the loss estimate AdaPL used (methods with AdaPL).', '');
  lines.push(`| ${axisKeys.join(' | ')} | mask rate | PL acc. (all) | PL acc. (masked) | PL acc. (unmasked) | naive ρ | naive AUROC | estimate ρ | estimate AUROC |`);
  lines.push(`|${axisKeys.map(() => '---').join('|')}|---:|---:|---:|---:|---:|---:|---:|---:|`);
  const d = (g: GroupSummary, key: string): number[] => g.cells.map((c) => c.diagnostics[key]).filter((v) => v !== undefined);
  for (const g of groups) {
    lines.push(`| ${axisKeys.map((k) => String(g.axes[k] ?? '')).join(' | ')} | ${pm(d(g, 'maskRate'))} | ${pm(d(g, 'pseudoLabelAccuracy'))} | ` +
      `${pm(d(g, 'maskedPseudoLabelAccuracy'))} | ${pm(d(g, 'unmaskedPseudoLabelAccuracy'))} | ${pm(d(g, 'naiveSpearman'), num)} | ${pm(d(g, 'naiveAuroc'), num)} | ` +
      `${pm(d(g, 'estimateSpearman'), num)} | ${pm(d(g, 'estimateAuroc'), num)} |`);
  }
  const candidateNames = [...new Set(results.flatMap((c) => Object.keys(c.diagnostics)
    .filter((k) => k.startsWith('candidate.') && k.endsWith('.spearman')).map((k) => k.slice('candidate.'.length, -'.spearman'.length))))];
  if (candidateNames.length > 0) {
    lines.push('', '### Estimator candidates (cells with a reference model)', '');
    lines.push('Each candidate scored on the same batches as the naive baseline; mean ± std over the cells of each group. ' +
      '✓ marks a candidate whose mean beats 1 − max p on both measures in that group.', '');
    const withCandidates = groups.filter((g) => g.cells.some((c) => c.diagnostics[`candidate.${candidateNames[0]}.spearman`] !== undefined));
    lines.push(`| candidate | ${withCandidates.map((g) => `${g.key}: ρ | AUROC`).join(' | ')} |`);
    lines.push(`|---|${withCandidates.map(() => '---:|---:').join('|')}|`);
    for (const name of candidateNames) {
      const cells = withCandidates.map((g) => {
        const rho = d(g, `candidate.${name}.spearman`);
        const auc = d(g, `candidate.${name}.auroc`);
        const beats = meanStd(rho).mean > meanStd(d(g, 'candidate.naive.spearman')).mean && meanStd(auc).mean > meanStd(d(g, 'candidate.naive.auroc')).mean;
        return `${pm(rho, num)} | ${pm(auc, num)}${beats ? ' ✓' : ''}`;
      });
      lines.push(`| ${name} | ${cells.join(' | ')} |`);
    }
  }
  const choice = estimatorChoice(results);
  if (choice.rows.length > 0) {
    lines.push('', '### Loss estimator chosen on the validation split, reported on test', '');
    lines.push(`Last-step student p and EMA teacher p̃ of the ${choice.cells} cells that trained on unlabeled data (mask rate > 0) and logged held-out scores, ` +
      'scored against the true labels: Spearman ρ with the per-sample loss −log p_y and AUROC for wrong argmax labels. Each entry is the mean over cells, ' +
      'then in brackets the mean ± std over cells of its difference from 1 − max p (naive) in the same cell. ' +
      'The choice (→) is the candidate with the highest validation mean of (Δρ + ΔAUROC) / 2; the test columns report it and play no part in it. ' +
      '"wins" counts cells whose validation ρ and AUROC both beat naive. "calibrated" is fitted on validation (out-of-fold numbers there).', '');
    lines.push('| candidate | cells | validation ρ | validation AUROC | test ρ | test AUROC | wins (validation) |', '|---|---:|---:|---:|---:|---:|---:|');
    const withDelta = (values: number[], deltas: number[], isNaive: boolean): string => {
      const mean = meanStd(values).mean;
      if (!Number.isFinite(mean)) return '–';
      return isNaive ? num(mean) : `${num(mean)} (${signed(meanStd(deltas))})`;
    };
    for (const r of choice.rows) {
      const naive = r.name === 'naive';
      lines.push(`| ${r.name === choice.chosen ? '→ ' : ''}${r.name} | ${r.validation.spearman.length} | ${withDelta(r.validation.spearman, r.validation.deltaSpearman, naive)} | ` +
        `${withDelta(r.validation.auroc, r.validation.deltaAuroc, naive)} | ${withDelta(r.test.spearman, r.test.deltaSpearman, naive)} | ` +
        `${withDelta(r.test.auroc, r.test.deltaAuroc, naive)} | ${naive ? '–' : `${r.wins}/${r.validation.spearman.length}`} |`);
    }
  }
  lines.push('', ...timeSection(results));
  lines.push('', '### Settings', '', 'Base settings of every cell (the axes above vary on top of them):', '', '```json', JSON.stringify(grid.base, null, 2), '```', '');
  const commits = [...new Set(results.flatMap((c) => [...(c.segments ?? []).map((x) => x.commit).filter((x): x is string => x !== undefined), c.commit.replace(/-dirty$/, '')]))];
  lines.push(`Code: commit${commits.length === 1 ? '' : 's'} ${commits.map((c) => `\`${c}\``).join(', ') || '–'}; ` +
    `backends: ${[...new Set(results.map((c) => c.backend))].join('; ') || '–'}. Finished ${results.map((c) => c.finished.slice(0, 10)).sort().filter((v, i, a) => a.indexOf(v) === i).join(', ') || '–'}.`, '');
  if (curves.length > 0) {
    lines.push('### Curves (mean over seeds)', '');
    for (const file of curves) lines.push(`![${file}](${file})`, '');
  }
  return `${lines.join('\n')}\n`;
}

const METRIC_NAMES: Record<StudyMetric, string> = { top1: 'top-1', balancedAccuracy: 'balanced accuracy', macroF1: 'macro-F1', macroAuc: 'macro AUC' };

/** Mean recall of `classes` in one result's EMA test numbers (NaN when the result has no per-class recall). */
export function minorityRecall(result: CellResult, classes: readonly number[]): number {
  const recall = result.test.ema.recall;
  if (recall === undefined) return NaN;
  const xs = classes.map((c) => recall[c]).filter((v) => typeof v === 'number' && Number.isFinite(v));
  return xs.length === classes.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/**
 * The long-tail tables (grids with `minorityClasses`): balanced accuracy, macro-F1, macro AUC and minority
 * recall of the EMA model on test; each class's test recall; and each class's masked pseudo-label precision,
 * recall and coverage on the unlabeled data (hidden labels, second half of training). Mean ± std over seeds, in %.
 */
function longTailTables(grid: SweepGrid, groups: readonly GroupSummary[], axisKeys: readonly string[]): string[] {
  const minority = grid.minorityClasses as number[];
  const numClasses = Math.max(0, ...groups.flatMap((g) => g.cells.map((c) => c.test.ema.recall?.length ?? 0)));
  const name = (c: number): string => grid.classNames?.[c] ?? `class ${c}`;
  const axes = (g: GroupSummary): string => axisKeys.map((k) => String(g.axes[k] ?? '')).join(' | ');
  const lines: string[] = [];
  lines.push('### Long tail: balanced metrics and minority classes', '');
  lines.push(`Test metrics of the last-step EMA model in %, mean ± std over seeds. Minority recall: mean recall of ${minority.map(name).join(', ')}.`, '');
  lines.push(`| ${axisKeys.join(' | ')} | n | balanced acc. | macro-F1 | macro AUC | minority recall |`);
  lines.push(`|${axisKeys.map(() => '---').join('|')}|---:|---:|---:|---:|---:|`);
  for (const g of groups) {
    lines.push(`| ${axes(g)} | ${g.cells.length} | ${pm(g.cells.map((c) => c.test.ema.balancedAccuracy))} | ${pm(g.cells.map((c) => c.test.ema.macroF1))} | ` +
      `${pm(g.cells.map((c) => c.test.ema.macroAuc))} | ${pm(g.cells.map((c) => minorityRecall(c, minority)))} |`);
  }
  if (numClasses === 0) return lines;
  const classes = Array.from({ length: numClasses }, (_, c) => c);
  lines.push('', '### Test recall per class', '', 'Recall of each class on test (EMA model), in %, mean ± std over seeds.', '');
  lines.push(`| ${axisKeys.join(' | ')} | ${classes.map(name).join(' | ')} |`);
  lines.push(`|${axisKeys.map(() => '---').join('|')}|${classes.map(() => '---:').join('|')}|`);
  for (const g of groups) lines.push(`| ${axes(g)} | ${classes.map((c) => pm(g.cells.map((x) => x.test.ema.recall?.[c] ?? NaN))).join(' | ')} |`);
  const withCounts = groups.filter((g) => g.cells.some((c) => c.diagnostics['pseudoLabelCoverage.0'] !== undefined));
  if (withCounts.length > 0) {
    lines.push('', '### Pseudo labels per class (unlabeled data, hidden labels, second half of training)', '');
    lines.push('precision / recall / coverage of the kept pseudo labels, in %, mean over seeds: precision = kept and right ÷ kept with that pseudo label; ' +
      'recall = kept and right ÷ kept of that true class; coverage = kept ÷ all of that true class.', '');
    lines.push(`| ${axisKeys.join(' | ')} | ${classes.map(name).join(' | ')} |`);
    lines.push(`|${axisKeys.map(() => '---').join('|')}|${classes.map(() => '---:').join('|')}|`);
    const mean = (g: GroupSummary, key: string): string => {
      const { mean: m, n } = meanStd(g.cells.map((c) => c.diagnostics[key] ?? NaN));
      return n === 0 ? '–' : (100 * m).toFixed(0);
    };
    for (const g of withCounts) {
      lines.push(`| ${axes(g)} | ${classes.map((c) => `${mean(g, `pseudoLabelPrecision.${c}`)} / ${mean(g, `pseudoLabelRecall.${c}`)} / ${mean(g, `pseudoLabelCoverage.${c}`)}`).join(' | ')} |`);
    }
  }
  return lines;
}

/** Time intervals [start, end] in ms of a cell's segments that have both ends. */
function segmentIntervals(c: CellResult): Array<[number, number]> {
  return (c.segments ?? []).flatMap((s) => (s.finished === undefined ? [] : [[Date.parse(s.started), Date.parse(s.finished)] as [number, number]]))
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b > a);
}

/**
 * For each cell, the mean number of other cells of the same sweep that were training while it trained
 * (time-weighted over its segments); NaN for a cell without timed segments. Other jobs on the machine
 * are not counted: the load average is what shows them, where it was recorded.
 */
export function concurrentCells(results: readonly CellResult[]): number[] {
  const intervals = results.map(segmentIntervals);
  return intervals.map((own, i) => {
    const total = own.reduce((a, [s, e]) => a + (e - s), 0);
    if (total === 0) return NaN;
    let overlap = 0;
    intervals.forEach((other, j) => {
      if (j === i) return;
      for (const [s, e] of own) for (const [t, u] of other) overlap += Math.max(0, Math.min(e, u) - Math.max(s, t));
    });
    return overlap / total;
  });
}

/** The "Time per run" section: per cell its segments, code, seconds per step, training time, other cells at once and load. */
function timeSection(results: readonly CellResult[]): string[] {
  const lines = ['### Time per run', ''];
  lines.push('Seconds per step: median between consecutive step logs of one process (validation included); training time: their sum over every ' +
    'segment (a process; a resume starts a new one). "other cells" is the mean number of other cells of this sweep training at the same time ' +
    '(from the segments\' start and end times); other jobs on the machine show only in the load average (1 min, at the start → end of each ' +
    'segment), which cells finished before segments were recorded lack. CPU time likewise.', '');
  lines.push('| cell | segments | code | s/step (median) | training time | other cells | load (1 min) | CPU time |', '|---|---:|---|---:|---:|---:|---|---:|');
  const concurrent = concurrentCells(results);
  results.forEach((c, i) => {
    const segs = c.segments ?? [];
    const code = segs.length === 0 ? c.commit : segs.map((s) => (s.commit === undefined ? '?' : `${s.commit}${s.dirty ? '-dirty' : ''}`)).join(', ');
    const loads = segs.map((s) => (s.load?.start === undefined ? '?' : `${num(s.load.start[0], 1)}→${s.load.end === undefined ? '?' : num(s.load.end[0], 1)}`));
    const cpu = segs.length > 0 && segs.every((s) => s.cpuSeconds !== undefined) ? `${(segs.reduce((a, s) => a + (s.cpuSeconds as number), 0) / 60).toFixed(1)} min` : '–';
    lines.push(`| ${c.id} | ${segs.length || '?'} | ${code} | ${num(c.secondsPerStep, 2)} | ${(c.trainSeconds / 60).toFixed(1)} min | ` +
      `${num(concurrent[i], 1)} | ${loads.every((l) => l === '?') ? 'not recorded' : loads.join(', ')} | ${cpu} |`);
  });
  const segs = results.flatMap((c) => c.segments ?? []);
  const range = (xs: number[], digits = 2): string => (xs.length === 0 ? '–' : `${num(Math.min(...xs), digits)}–${num(Math.max(...xs), digits)}`);
  // semi-supervised cells only: a supervised step is a fraction of one
  const byConcurrency = (lo: number, hi: number) => results.filter((c, i) => (c.diagnostics.maskRate ?? 0) > 0 && concurrent[i] >= lo && concurrent[i] < hi)
    .map((c) => c.secondsPerStep).filter(Number.isFinite);
  const alone = byConcurrency(0, 0.1);
  const paired = byConcurrency(0.9, 1.1);
  const minutes = results.map((c) => c.trainSeconds / 60);
  lines.push('', `${results.length} cells, ${segs.length} segments (${segs.filter((s) => s.unknown?.includes('commit')).length} of unknown code; ` +
    `${segs.filter((s) => s.load === undefined).length} without load or CPU time); training time ${range(minutes, 1)} min per cell, ` +
    `${(minutes.reduce((a, b) => a + b, 0) / 60).toFixed(1)} h in all. Seconds per step of semi-supervised cells that trained with no other cell of this sweep ` +
    `(other cells < 0.1): ${range(alone)} (${alone.length} cells); with one other (0.9–1.1): ${range(paired)} (${paired.length} cells). ` +
    'Without a load average these say nothing about other jobs on the machine.');
  return lines;
}

/** A group's test metric minus its baseline group's on the same seeds (see {@link pairedDifferences}). */
export interface PairedDifference {
  group: GroupSummary;
  baseline: GroupSummary;
  /** Per shared seed: the group's EMA test metric (grid.metric, default top-1) minus the baseline's (fractions, not %). */
  differences: Array<{ seed: string | number | boolean; difference: number }>;
}

/**
 * Paired comparison with the grid's `baseline` groups (or the given `baseline`, e.g. one of
 * `grid.moreBaselines`): for every group that is not a baseline, the
 * baseline group that matches it on the baseline's other axes (e.g. the same `labels`), and the
 * difference of EMA test top-1 on each seed both have. Seeds draw the labeled set, so differences on the
 * same seed remove that noise. Groups without a matching baseline are left out; [] without `grid.baseline`.
 */
export function pairedDifferences(grid: SweepGrid, results: readonly CellResult[], baseline = grid.baseline): PairedDifference[] {
  if (baseline === undefined) return [];
  const groups = groupCells(grid, results);
  const isBaseline = (g: GroupSummary): boolean => Object.entries(baseline).every(([k, v]) => g.axes[k] === v);
  const baselines = groups.filter(isBaseline);
  const seedKey = String(grid.seedKey);
  const out: PairedDifference[] = [];
  for (const group of groups) {
    if (isBaseline(group)) continue;
    const match = baselines.find((b) => Object.keys(b.axes).every((k) => k in baseline || b.axes[k] === group.axes[k]));
    if (match === undefined) continue;
    const differences = group.cells.flatMap((c) => {
      const other = match.cells.find((m) => m.axes[seedKey] === c.axes[seedKey]);
      const metric = grid.metric ?? 'top1';
      return other === undefined ? [] : [{ seed: c.axes[seedKey], difference: c.test.ema[metric] - other.test.ema[metric] }];
    });
    if (differences.length > 0) out.push({ group, baseline: match, differences });
  }
  return out;
}

/** One candidate's held-out scores over cells (see {@link estimatorChoice}). */
export interface EstimatorChoiceRow {
  name: string;
  /** Per cell (cells that scored this candidate): ρ and AUROC, and their differences from naive's in the same cell. */
  validation: { spearman: number[]; auroc: number[]; deltaSpearman: number[]; deltaAuroc: number[] };
  test: { spearman: number[]; auroc: number[]; deltaSpearman: number[]; deltaAuroc: number[] };
  /** Cells whose validation ρ and AUROC both beat the naive score 1 − max p of the same cell. */
  wins: number;
}

/**
 * The loss-estimator choice of a study: over the cells that trained on unlabeled data (diagnostics
 * mask rate > 0) and logged held-out scores, every candidate's validation and test ρ and AUROC and their
 * paired differences from the naive score 1 − max p of the same cell. The chosen candidate has the
 * highest validation mean of (Δρ + ΔAUROC) / 2; test numbers never enter the choice. Rows are sorted by
 * that validation score, best first (naive scores 0).
 */
export function estimatorChoice(results: readonly CellResult[]): { cells: number; rows: EstimatorChoiceRow[]; chosen?: string } {
  const cells = results.filter((c) => (c.diagnostics.maskRate ?? 0) > 0 && c.heldOut?.validation !== undefined);
  const names = [...new Set(cells.flatMap((c) => Object.keys(c.heldOut?.validation ?? {})
    .filter((k) => k.startsWith('candidate.') && k.endsWith('.spearman')).map((k) => k.slice('candidate.'.length, -'.spearman'.length))))];
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const collect = (split: 'validation' | 'test', name: string): EstimatorChoiceRow['validation'] => {
    const out: EstimatorChoiceRow['validation'] = { spearman: [], auroc: [], deltaSpearman: [], deltaAuroc: [] };
    for (const c of cells) {
      const r = c.heldOut?.[split];
      const rho = r?.[`candidate.${name}.spearman`];
      const auc = r?.[`candidate.${name}.auroc`];
      if (!finite(rho) || !finite(auc) || !finite(r?.naiveSpearman) || !finite(r?.naiveAuroc)) continue;
      out.spearman.push(rho);
      out.auroc.push(auc);
      out.deltaSpearman.push(rho - (r as Record<string, number>).naiveSpearman);
      out.deltaAuroc.push(auc - (r as Record<string, number>).naiveAuroc);
    }
    return out;
  };
  const rows = names.map((name): EstimatorChoiceRow => {
    const validation = collect('validation', name);
    return { name, validation, test: collect('test', name), wins: validation.deltaSpearman.filter((d, i) => d > 0 && validation.deltaAuroc[i] > 0).length };
  });
  const score = (r: EstimatorChoiceRow): number => {
    const v = (meanStd(r.validation.deltaSpearman).mean + meanStd(r.validation.deltaAuroc).mean) / 2;
    return Number.isFinite(v) ? v : -Infinity;
  };
  rows.sort((a, b) => score(b) - score(a));
  const chosen = rows.length > 0 && score(rows[0]) > -Infinity ? rows[0].name : undefined;
  return { cells: cells.length, rows, chosen };
}

/** Curve series of a group: mean over its cells at each logged step of a key. */
function meanCurve(grid: SweepGrid, out: string, group: GroupSummary, pick: (r: ReturnType<typeof readMetricsLog>[number]) => number | undefined): Array<{ step: number; value: number }> {
  const byStep = new Map<number, number[]>();
  for (const c of group.cells) {
    const cell = grid.cells.find((x) => x.id === c.id);
    if (cell === undefined) continue;
    const file = join(cellPaths(out, cell).dir, 'metrics.jsonl');
    if (!existsSync(file)) continue;
    for (const r of readMetricsLog(file)) {
      const v = pick(r);
      if (v === undefined || !Number.isFinite(v) || r.type === 'run') continue;
      const list = byStep.get(r.step) ?? [];
      list.push(v);
      byStep.set(r.step, list);
    }
  }
  return [...byStep].sort((a, b) => a[0] - b[0]).map(([step, vs]) => ({ step, value: vs.reduce((a, b) => a + b, 0) / vs.length }));
}

/** Moving average over `w` points (the step logs are noisy per batch). */
function smooth(points: Array<{ step: number; value: number }>, w: number): Array<{ step: number; value: number }> {
  return points.map((p, i) => {
    const window = points.slice(Math.max(0, i - w + 1), i + 1);
    return { step: p.step, value: window.reduce((a, b) => a + b.value, 0) / window.length };
  });
}

/** Vega-Lite specs of the sweep's curves: validation top-1 of the EMA model, mask rate, masked pseudo-label accuracy. */
export function curveSpecs(grid: SweepGrid, out: string, results: readonly CellResult[]): Array<{ file: string; spec: VegaLiteSpec }> {
  const groups = groupCells(grid, results);
  const charts: Array<{ file: string; title: string; y: string; pick: (r: ReturnType<typeof readMetricsLog>[number]) => number | undefined; window: number }> = [
    { file: 'curve-validation-top1.svg', title: 'Validation top-1 of the EMA model', y: 'top-1', window: 1,
      pick: (r) => (r.type === 'eval' && r.split === 'validation' && r.model === 'ema' ? r.top1 : undefined) },
    { file: 'curve-mask-rate.svg', title: 'Mask rate (unlabeled samples kept)', y: 'mask rate', window: 10,
      pick: (r) => (r.type === 'step' && typeof r.maskRate === 'number' ? r.maskRate : undefined) },
    { file: 'curve-pseudo-label-accuracy.svg', title: 'Pseudo-label accuracy (all unlabeled samples)', y: 'accuracy', window: 10,
      pick: (r) => (r.type === 'step' && typeof r.pseudoLabelAccuracy === 'number' ? r.pseudoLabelAccuracy : undefined) },
  ];
  return charts.map((chart) => {
    const values = groups.flatMap((g) => smooth(meanCurve(grid, out, g, chart.pick), chart.window).map((p) => ({ ...p, group: g.key })));
    return {
      file: chart.file,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: chart.title, width: 520, height: 260, background: 'white',
        data: { values },
        mark: { type: 'line' },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: { field: 'value', type: 'quantitative', title: chart.y },
          color: { field: 'group', type: 'nominal', title: null },
        },
      },
    };
  });
}

/**
 * Rewrites results.jsonl (one line per finished cell), the curves (SVG, when vega is installed) and
 * results.md in `out`, all derived from the cells' files: rerunning it is always safe.
 */
export async function writeSweepResults(grid: SweepGrid, out: string): Promise<{ markdown: string; curves: string[] }> {
  const results = finishedCells(grid, out);
  await writeFileAtomic(join(out, 'results.jsonl'), results.map((r) => `${JSON.stringify(r)}\n`).join(''), { what: 'sweep results' });
  const curves: string[] = [];
  if (results.length > 0) {
    for (const { file, spec } of curveSpecs(grid, out, results)) {
      const rendered = await renderSvg(spec);
      if ('svg' in rendered) {
        await writeFileAtomic(join(out, file), rendered.svg, { what: 'sweep curve' });
        curves.push(file);
      }
    }
  }
  const markdown = resultsMarkdown(grid, results, curves);
  await writeFileAtomic(join(out, 'results.md'), markdown, { what: 'sweep results table' });
  return { markdown, curves };
}
