import { CliUsageError } from '../cliError';
import { parseConfigObject, readJsonFile } from '../configFile';
import type { TrainSettings } from '../trainOptions';

/** Keys the sweep sets itself for every cell: a grid may not. */
const SWEEP_OWNED = ['out', 'resume', 'progress', 'config'] as const;

/**
 * A sweep as written in its JSON file:
 * ```json
 * { "name": "Fashion-MNIST label budget",
 *   "base": { "dataset": "fashion-mnist", "steps": 1400, "batchSize": 32, "mu": 3 },
 *   "grids": [ { "labels": [40], "method": ["fixmatch", "tear"], "seed": [0, 1, 2] } ],
 *   "keepCheckpoints": "final" }
 * ```
 * Every key of `base` and of a grid is a `tear-ssl train` config key (camelCase), checked like a config file.
 * A grid's array values are axes (the cartesian product of all of them is run); scalars are fixed.
 * Cells are the union of every grid's product; a cell listed twice runs once.
 */
export interface SweepGrid {
  name: string;
  /** The grid file (for messages and relative paths). */
  file: string;
  base: Partial<TrainSettings>;
  cells: SweepCell[];
  /** The key averaged over in the results tables (default 'seed'). */
  seedKey: keyof TrainSettings;
  /** 'final': keep each finished cell's last checkpoint; 'none': delete them when a cell finishes. */
  keepCheckpoints: 'final' | 'none';
  /**
   * Axis values naming the baseline groups (e.g. `{ "method": "fixmatch" }`): the results then add each
   * group's test top-1 minus its baseline's on the same seed (see `pairedDifferences`).
   */
  baseline?: Record<string, string | number | boolean>;
  /**
   * Further baselines, each given like `baseline` (e.g. the strongest supervised-only configuration): the
   * results add a paired-difference table against each, and summaries a column per baseline.
   */
  moreBaselines?: Array<Record<string, string | number | boolean>>;
  /** The test metric of the paired differences and the headline (default 'top1'; 'balancedAccuracy' for long-tailed data). */
  metric?: StudyMetric;
  /**
   * Class indices (of the run's classes) whose recall the results report as "minority recall" (their mean)
   * besides every class's recall, for long-tailed studies; `classNames` labels the per-class columns.
   */
  minorityClasses?: number[];
  classNames?: string[];
}

/** Test metrics a study can compare on. */
export const STUDY_METRICS = ['top1', 'balancedAccuracy', 'macroF1', 'macroAuc'] as const;
/** A test metric of EvalNumbers that a study compares on. */
export type StudyMetric = (typeof STUDY_METRICS)[number];

/** One run of the grid: its axis values and its complete settings (base + axes; not out/resume). */
export interface SweepCell {
  /** Folder-safe id from the axis values, e.g. `labels-40.method-tear.seed-0`. */
  id: string;
  axes: Record<string, string | number | boolean>;
  settings: Partial<TrainSettings>;
}

/** Reads and checks a sweep file; every error names the file and the key. */
export function readSweepGrid(file: string): SweepGrid {
  return parseSweepGrid(readJsonFile(file, 'sweep file'), file);
}

/** Checks a parsed sweep object (see {@link SweepGrid}); `file` names it in messages. */
export function parseSweepGrid(parsed: unknown, file: string): SweepGrid {
  if (!isObject(parsed)) throw new CliUsageError(`sweep file ${file} must hold a JSON object with "base" and "grids"`);
  const known = new Set(['name', 'base', 'grids', 'seedKey', 'keepCheckpoints', 'description', 'baseline', 'moreBaselines', 'metric', 'minorityClasses', 'classNames']);
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new CliUsageError(`sweep file ${file}: unknown key '${key}' (expected ${[...known].join(', ')})`);
  }
  const name = parsed.name ?? file;
  if (typeof name !== 'string' || name === '') throw new CliUsageError(`sweep file ${file}: 'name' must be a non-empty string`);
  const baseRaw = parsed.base ?? {};
  if (!isObject(baseRaw)) throw new CliUsageError(`sweep file ${file}: 'base' must be an object of train options`);
  rejectOwned(baseRaw, `${file} (base)`);
  const base = parseConfigObject(baseRaw, `${file} (base)`);
  const seedKey = (parsed.seedKey ?? 'seed') as keyof TrainSettings;
  if (typeof seedKey !== 'string') throw new CliUsageError(`sweep file ${file}: 'seedKey' must be a train option name`);
  const keepCheckpoints = parsed.keepCheckpoints ?? 'final';
  if (keepCheckpoints !== 'final' && keepCheckpoints !== 'none') {
    throw new CliUsageError(`sweep file ${file}: 'keepCheckpoints' must be "final" or "none", got ${JSON.stringify(keepCheckpoints)}`);
  }
  const baseline = parsed.baseline;
  if (baseline !== undefined && (!isObject(baseline) || Object.keys(baseline).length === 0
    || Object.values(baseline).some((v) => v === null || typeof v === 'object'))) {
    throw new CliUsageError(`sweep file ${file}: 'baseline' must be a non-empty object of axis values, e.g. {"method": "fixmatch"}`);
  }
  const moreBaselines = parsed.moreBaselines;
  if (moreBaselines !== undefined && (!Array.isArray(moreBaselines) || moreBaselines.some((b, i) => !isObject(b) || Object.keys(b).length === 0
    || Object.values(b).some((v) => v === null || typeof v === 'object')))) {
    throw new CliUsageError(`sweep file ${file}: 'moreBaselines' must be an array of non-empty objects of axis values, e.g. [{"method": "supervised"}]`);
  }
  const metric = parsed.metric;
  if (metric !== undefined && !(STUDY_METRICS as readonly unknown[]).includes(metric)) {
    throw new CliUsageError(`sweep file ${file}: 'metric' must be one of ${STUDY_METRICS.join(', ')}, got ${JSON.stringify(metric)}`);
  }
  const minorityClasses = parsed.minorityClasses;
  if (minorityClasses !== undefined && (!Array.isArray(minorityClasses) || minorityClasses.length === 0
    || minorityClasses.some((c) => !Number.isInteger(c) || (c as number) < 0))) {
    throw new CliUsageError(`sweep file ${file}: 'minorityClasses' must be a non-empty array of class indices, got ${JSON.stringify(minorityClasses)}`);
  }
  const classNames = parsed.classNames;
  if (classNames !== undefined && (!Array.isArray(classNames) || classNames.some((c) => typeof c !== 'string'))) {
    throw new CliUsageError(`sweep file ${file}: 'classNames' must be an array of strings`);
  }
  const grids = parsed.grids;
  if (!Array.isArray(grids) || grids.length === 0) throw new CliUsageError(`sweep file ${file}: 'grids' must be a non-empty array of objects`);
  const cells = new Map<string, SweepCell>();
  grids.forEach((grid, g) => {
    const where = `${file} (grids[${g}])`;
    if (!isObject(grid)) throw new CliUsageError(`sweep file ${where} must be an object`);
    rejectOwned(grid, where);
    const axes: Array<[string, unknown[]]> = [];
    const fixed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(grid)) {
      if (Array.isArray(value)) {
        if (value.length === 0) throw new CliUsageError(`sweep file ${where}: axis '${key}' is empty`);
        if (new Set(value.map((v) => JSON.stringify(v))).size !== value.length) throw new CliUsageError(`sweep file ${where}: axis '${key}' repeats a value`);
        axes.push([key, value]);
      } else {
        fixed[key] = value;
      }
    }
    for (const combo of product(axes)) {
      const raw = { ...baseRaw, ...fixed, ...combo };
      const settings = { ...base, ...parseConfigObject(raw, where) };
      const axisValues = Object.fromEntries(Object.keys(combo).map((k) => [k, (settings as Record<string, unknown>)[k]])) as SweepCell['axes'];
      const cell: SweepCell = { id: cellId(axisValues, fixed), axes: { ...fixed as SweepCell['axes'], ...axisValues }, settings };
      const existing = cells.get(cell.id);
      if (existing && JSON.stringify(existing.settings) !== JSON.stringify(cell.settings)) {
        throw new CliUsageError(`sweep file ${file}: cell ${cell.id} appears twice with different settings`);
      }
      cells.set(cell.id, cell);
    }
  });
  return {
    name, file, base, cells: [...cells.values()], seedKey, keepCheckpoints,
    ...(baseline ? { baseline: baseline as SweepGrid['baseline'] } : {}),
    ...(moreBaselines !== undefined ? { moreBaselines: moreBaselines as NonNullable<SweepGrid['moreBaselines']> } : {}),
    ...(metric !== undefined ? { metric: metric as StudyMetric } : {}),
    ...(minorityClasses !== undefined ? { minorityClasses: minorityClasses as number[] } : {}),
    ...(classNames !== undefined ? { classNames: classNames as string[] } : {}),
  };
}

/**
 * The order cells run in: by seed first, so that every method's first seed lands before any second seed
 * (a study stopped early still has complete comparisons), then in the grid's order.
 */
export function runOrder(grid: SweepGrid): SweepCell[] {
  const seedOf = (c: SweepCell): number => Number((c.settings as Record<string, unknown>)[grid.seedKey] ?? 0);
  return grid.cells.map((c, i) => ({ c, i })).sort((a, b) => seedOf(a.c) - seedOf(b.c) || a.i - b.i).map((x) => x.c);
}

function rejectOwned(obj: Record<string, unknown>, where: string): void {
  for (const key of SWEEP_OWNED) {
    if (key in obj) throw new CliUsageError(`sweep file ${where}: '${key}' is set by the sweep for each cell and may not be given`);
  }
}

function* product(axes: Array<[string, unknown[]]>): Generator<Record<string, unknown>> {
  if (axes.length === 0) {
    yield {};
    return;
  }
  const [[key, values], ...rest] = axes;
  for (const v of values) for (const tail of product(rest)) yield { [key]: v, ...tail };
}

/** `labels-40.method-tear.seed-0`: axis keys and values, made safe for a folder name. */
function cellId(axes: Record<string, unknown>, fixed: Record<string, unknown>): string {
  const parts = Object.entries({ ...fixed, ...axes })
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => `${k}-${String(v).replace(/[^A-Za-z0-9_+=-]+/g, '_')}`);
  return parts.length === 0 ? 'base' : parts.join('.');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
