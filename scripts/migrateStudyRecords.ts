/**
 * Migrates the committed records of a sweep study (studies/<name>/) written before run segments and
 * relative paths: `npx tsx scripts/migrateStudyRecords.ts [studies/fashion-mnist ...]` (default: every
 * folder under studies/ with a sweep file). Rerunnable and idempotent: a record already migrated is
 * left as it is. Numbers are never touched: only the machine paths go and the segments are added.
 *
 * Per cell (cells/<id>/):
 * - run.json: path settings relative to the cell folder (`out` → `.`), the backend without Node's
 *   "imported from /abs/file"; `segments` rebuilt from metrics.jsonl (see below) when absent.
 * - metrics.jsonl: the same for each `run` line; every other line is kept byte for byte.
 * - result.json: the backend as above; `segments` from run.json.
 * - report.md: absolute paths inside the study become relative to the cell folder.
 * - configs/<id>.json: `out` removed (the sweep now passes it on the command line).
 * Then results.jsonl and results.md are rewritten from the cells (`writeSweepResults`); the doc blocks
 * are `npm run docs:render`'s job.
 *
 * Segments of these older cells: one per `run` line of metrics.jsonl, with its start step, start time,
 * backend, and the time of its last step log (wall seconds from those timestamps). The commit is known
 * only for the last segment (result.json's, the sweep's commit when the cell finished); the
 * other fields are listed in `unknown`.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scrubPaths, type RunSegment } from '../src/cli/provenance';
import { cellPaths } from '../src/cli/sweep/sweepCells';
import { readSweepGrid, type SweepGrid } from '../src/cli/sweep/sweepGrid';
import { writeSweepResults } from '../src/cli/sweep/sweepResults';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Path settings a record may hold. */
const PATH_KEYS = ['out', 'resume', 'data', 'tensorboard', 'config'];

/** Absolute paths of machines (not system install paths such as /usr/share/datasets). */
const MACHINE_PATH = /(?:\/work|\/home|\/tmp|\/root|\/Users|\/mnt|\/private)\/[^\s"'|)`]*[^\s"'|)`.,;]/g;

/**
 * An absolute path of the machine that ran the study, as a path relative to `from`: whatever follows
 * `studies/<name>/` is mapped into this checkout's study folder. Paths outside the study are left alone
 * (the path test names them).
 */
function relativize(path: string, studyRel: string, studyDir: string, from: string): string {
  const marker = `/${studyRel}/`;
  const i = path.indexOf(marker);
  const j = path.endsWith(`/${studyRel}`) ? path.length : -1;
  if (i < 0 && j < 0) return path;
  const rest = i >= 0 ? path.slice(i + marker.length) : '';
  const rel = relative(from, join(studyDir, rest));
  return rel === '' ? '.' : rel.split(sep).join('/');
}

function migrateSettings(settings: Record<string, unknown>, rel: (p: string) => string): Record<string, unknown> {
  const out = { ...settings };
  for (const key of PATH_KEYS) if (typeof out[key] === 'string') out[key] = rel(out[key] as string);
  return out;
}

const migrateText = (text: string, rel: (p: string) => string): string => scrubPaths(text).replace(MACHINE_PATH, (p) => rel(p));

/** The segments an older cell's metrics.jsonl still shows (see the file comment). */
function segmentsFromMetrics(lines: readonly Record<string, unknown>[], lastCommit: string | undefined): RunSegment[] {
  const starts = lines.map((r, i) => ({ r, i })).filter(({ r }) => r.type === 'run');
  return starts.map(({ r, i }, k) => {
    const end = k + 1 < starts.length ? starts[k + 1].i : lines.length;
    const steps = lines.slice(i + 1, end).filter((x) => x.type === 'step');
    const last = steps[steps.length - 1];
    const isLast = k === starts.length - 1;
    const finalStep = isLast ? Math.max(...lines.filter((x) => typeof x.step === 'number').map((x) => x.step as number)) : undefined;
    const seconds = last === undefined ? undefined : (Date.parse(String(last.time)) - Date.parse(String(r.time))) / 1000;
    const unknown = ['versions', 'host', 'load', 'cpuSeconds'];
    const known: Partial<RunSegment> = {};
    if (isLast && lastCommit !== undefined) {
      known.commit = lastCommit.replace(/-dirty$/, '');
      known.dirty = lastCommit.endsWith('-dirty');
    } else {
      unknown.unshift('commit', 'dirty');
    }
    return {
      startStep: Number(r.startStep),
      ...(finalStep === undefined ? {} : { endStep: finalStep }),
      started: String(r.time),
      ...(last === undefined ? {} : { finished: String(last.time) }),
      ...known,
      backend: scrubPaths(String(r.backend)),
      ...(seconds === undefined ? {} : { wallSeconds: Math.round(seconds * 100) / 100 }),
      unknown,
      source: `metrics.jsonl 'run' line and step-log timestamps (recorded before segments were)${isLast ? '; commit: result.json, the sweep\'s when the cell finished' : ''}${isLast ? '' : '; cut off, resumed by the next segment'}`,
    } as RunSegment;
  });
}

const json = (v: unknown): string => `${JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2)}\n`;

function writeIfChanged(file: string, text: string, changed: string[]): void {
  if (readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
  changed.push(relative(ROOT, file));
}

/** Migrates one study folder; returns the files it changed. */
export async function migrateStudy(studyDir: string, gridFile: string): Promise<string[]> {
  const grid: SweepGrid = readSweepGrid(gridFile);
  const studyRel = relative(ROOT, studyDir).split(sep).join('/');
  const changed: string[] = [];
  for (const cell of grid.cells) {
    const paths = cellPaths(studyDir, cell);
    if (!existsSync(paths.dir)) continue;
    const rel = (p: string): string => relativize(p, studyRel, studyDir, paths.dir);

    const metricsFile = join(paths.dir, 'metrics.jsonl');
    let records: Record<string, unknown>[] = [];
    if (existsSync(metricsFile)) {
      const text = readFileSync(metricsFile, 'utf8');
      const lines = text.split('\n');
      const out = lines.map((line) => {
        if (!line.includes('"type":"run"')) return line;
        const r = JSON.parse(line) as Record<string, unknown>;
        return JSON.stringify({ ...r, settings: migrateSettings(r.settings as Record<string, unknown>, rel), backend: scrubPaths(String(r.backend)) });
      });
      writeIfChanged(metricsFile, out.join('\n'), changed);
      records = out.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    }

    const result = existsSync(paths.result) ? JSON.parse(readFileSync(paths.result, 'utf8')) as Record<string, unknown> : undefined;
    const runFile = join(paths.dir, 'run.json');
    let segments: RunSegment[] | undefined;
    if (existsSync(runFile)) {
      const run = JSON.parse(readFileSync(runFile, 'utf8')) as Record<string, unknown>;
      segments = (run.segments as RunSegment[] | undefined) ?? segmentsFromMetrics(records, result?.commit as string | undefined);
      const next = { ...run, settings: migrateSettings(run.settings as Record<string, unknown>, rel), backend: scrubPaths(String(run.backend)), segments };
      writeIfChanged(runFile, json(next), changed);
    }
    if (result !== undefined) {
      const { segments: _, ...rest } = result;
      // keep the key order of the fields before `steps`, then the segments (as cellResultFrom writes them)
      const next: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(rest)) {
        if (k === 'steps' && segments !== undefined) next.segments = segments;
        next[k] = k === 'backend' ? scrubPaths(String(v)) : v;
      }
      writeIfChanged(paths.result, json(next), changed);
    }
    const report = join(paths.dir, 'report.md');
    if (existsSync(report)) writeIfChanged(report, migrateText(readFileSync(report, 'utf8'), rel), changed);
    if (existsSync(paths.config)) {
      const config = JSON.parse(readFileSync(paths.config, 'utf8')) as Record<string, unknown>;
      if ('out' in config) {
        const { out: _, ...rest } = config;
        writeIfChanged(paths.config, json(rest), changed);
      }
    }
  }
  const before = ['results.jsonl', 'results.md'].map((f) => (existsSync(join(studyDir, f)) ? readFileSync(join(studyDir, f), 'utf8') : ''));
  await writeSweepResults(grid, studyDir);
  ['results.jsonl', 'results.md'].forEach((f, i) => {
    if (readFileSync(join(studyDir, f), 'utf8') !== before[i]) changed.push(relative(ROOT, join(studyDir, f)));
  });
  return changed;
}

/** The sweep file of a study folder: the top-level JSON file with "grids". */
export function studyGridFile(studyDir: string): string | undefined {
  for (const f of readdirSync(studyDir).filter((x) => x.endsWith('.json')).sort()) {
    try {
      if ('grids' in (JSON.parse(readFileSync(join(studyDir, f), 'utf8')) as object)) return join(studyDir, f);
    } catch { /* not a sweep file */ }
  }
  return undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const studies = args.length > 0 ? args.map((a) => resolve(a))
    : readdirSync(join(ROOT, 'studies')).map((d) => join(ROOT, 'studies', d)).filter((d) => statSync(d).isDirectory());
  for (const dir of studies) {
    const grid = studyGridFile(dir);
    if (grid === undefined) {
      console.log(`${relative(ROOT, dir)}: no sweep file, skipped`);
      continue;
    }
    const changed = await migrateStudy(dir, grid);
    console.log(`${relative(ROOT, dir)}: ${changed.length} file(s) changed${changed.length > 0 ? `\n  ${changed.join('\n  ')}` : ''}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
