/**
 * Every table and figure of measured numbers in README.md and docs/ is generated from committed
 * records by this script: `npm run docs:render` rewrites them, `npm run docs:render -- --check`
 * (and test/docs/generatedDocs.test.ts, so `npm test`) fails on any difference, naming the file and
 * the block. The text around the blocks is written by hand and only interprets them.
 *
 * Records and what they feed:
 * - studies/<name>/ (a sweep: cells/<id>/result.json, metrics.jsonl): the study's results.jsonl,
 *   results.md and curves, the `sweep:<grid name>` block of its document (STUDY_DOCS: docs/results.md,
 *   docs/results-long-tail.md; `tear-ssl sweep --doc` writes the same), and for the Fashion-MNIST study
 *   the `generated:study-summary` block of README.md;
 * - bench/records/<time>.md (the output of `npm run bench -- --record`, verbatim): the `bench` block of
 *   docs/benchmarks.md (the newest record) and its `generated:bench-targets` block (issue 19's targets
 *   read from that record, scripts/benchTargets.ts);
 * - bench/results/*-ab-*.md (in-process A/B records of kernel changes): the `generated:ab-results` block
 *   of docs/benchmarks.md;
 * - soak/records/*.json (`npm run soak`, scripts/soak.ts): the `generated:soak` block of docs/reliability.md.
 * - studies/fashion-mnist-head/ beside studies/fashion-mnist/: the `generated:head-reproduction` block of
 *   docs/results.md (the HEAD re-run of a slice, cell by cell against the recorded cells).
 *
 * Not records but the code's own declarations: the option schema (src/training/optionSchema.ts) gives the
 * `generated:config-options` block of docs/trainer.md and the `generated:train-options` block of
 * docs/cli.md (src/cli/optionDocs.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docMarkers } from '../src/cli/sweep/renderResultsDoc';
import type { CellResult } from '../src/cli/sweep/cellResult';
import { readSweepGrid, type SweepGrid } from '../src/cli/sweep/sweepGrid';
import { curveSpecs, finishedCells, groupCells, meanStd, pairedDifferences, resultsMarkdown, type GroupSummary } from '../src/cli/sweep/sweepResults';
import { renderSvg } from '../src/cli/plots';
import { BUSY_LOAD_PER_CORE } from '../bench/quiet';
import { writeFileAtomic } from '../src/util/atomicWrite';
import { configOptionsMarkdown, trainOptionsMarkdown } from '../src/cli/optionDocs';
import { soakRecords, soakSummaryMarkdown } from './soakRecord';
import { abResultsMarkdown, benchTargetsMarkdown } from './benchTargets';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Markers of a generated block: `<!-- generated:<id> begin … -->` and `<!-- generated:<id> end -->`. */
export const generatedMarkers = (id: string): { begin: string; end: string } => ({
  begin: `<!-- generated:${id} begin (npm run docs:render; do not edit by hand) -->`,
  end: `<!-- generated:${id} end -->`,
});

/** `text` with the block between `begin` and `end` replaced by `body`; an error naming `file` without them. */
export function replaceBlock(text: string, markers: { begin: string; end: string }, body: string, file: string): string {
  const b = text.indexOf(markers.begin);
  const e = text.indexOf(markers.end);
  if (b < 0 || e < b) throw new Error(`${file}: lacks the generated block's markers (in this order):\n${markers.begin}\n${markers.end}`);
  return `${text.slice(0, b + markers.begin.length)}\n${body.endsWith('\n') ? body : `${body}\n`}${text.slice(e)}`;
}

/** The studies: folders under studies/ with a sweep file (a top-level JSON file with "grids"). */
export function studies(root = ROOT): Array<{ dir: string; grid: SweepGrid; id: string }> {
  const base = join(root, 'studies');
  if (!existsSync(base)) return [];
  return readdirSync(base).sort().flatMap((name) => {
    const dir = join(base, name);
    if (!statSync(dir).isDirectory()) return [];
    const gridFile = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
      .map((f) => join(dir, f)).find((f) => {
        try {
          return 'grids' in (JSON.parse(readFileSync(f, 'utf8')) as object);
        } catch {
          return false;
        }
      });
    return gridFile === undefined ? [] : [{ dir, grid: readSweepGrid(gridFile), id: basename(gridFile).replace(/\.json$/, '') }];
  });
}

const pct = (v: number): string => (Number.isFinite(v) ? (100 * v).toFixed(1) : '–');
const pmPct = (xs: readonly number[]): string => {
  const { mean, std, n } = meanStd(xs);
  return n === 0 ? '–' : n < 2 ? `${pct(mean)}%` : `${pct(mean)} ± ${pct(std)}%`;
};
const points = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(1)}`;

/** The group with exactly these axes (besides the seed). */
function findGroup(groups: readonly GroupSummary[], axes: Record<string, string | number | boolean>): GroupSummary | undefined {
  return groups.find((g) => Object.keys(g.axes).length === Object.keys(axes).length && Object.entries(axes).every(([k, v]) => g.axes[k] === v));
}

/** README's summary of the Fashion-MNIST study: test top-1 per label budget, and the paired differences from FixMatch. */
export function studySummaryMarkdown(grid: SweepGrid, results: readonly CellResult[], studyDir: string): string {
  const groups = groupCells(grid, results);
  const columns: Array<{ title: string; axes: Record<string, string> }> = [
    { title: 'supervised', axes: { method: 'supervised' } },
    { title: 'FixMatch + DA', axes: { method: 'fixmatch' } },
    { title: 'TEAR', axes: { method: 'tear' } },
    { title: 'TEAR, `--adapl-estimator ensemble`', axes: { method: 'tear', adaplEstimator: 'ensemble' } },
    { title: 'TEAR, `--adapl-gamma 0.25`', axes: { method: 'tear', adaplGamma: '0.25' } },
  ];
  const labels = [...new Set(groups.map((g) => g.axes.labels))].filter((l) => l !== undefined).sort((a, b) => Number(a) - Number(b));
  const cell = (l: string | number | boolean, axes: Record<string, string>): GroupSummary | undefined =>
    findGroup(groups, { labels: l, ...Object.fromEntries(Object.entries(axes).map(([k, v]) => [k, k === 'adaplGamma' ? Number(v) : v])) });
  const lines = [
    `Test top-1 of the last-step EMA model, mean ± sample std over seeds (n per entry: ${[...new Set(groups.map((g) => g.cells.length))].join(' or ')}), ` +
      `from the ${results.length} cells' result files in [${relative(ROOT, studyDir)}](${relative(ROOT, studyDir)}):`,
    '',
    `| labels | ${columns.map((c) => c.title).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...labels.map((l) => `| ${l} | ${columns.map((c) => {
      const g = cell(l, c.axes);
      return g === undefined ? '–' : pmPct(g.cells.map((x) => x.test.ema.top1));
    }).join(' | ')} |`),
  ];
  const paired = pairedDifferences(grid, results);
  const diffs = columns.filter((c) => c.axes.method !== 'fixmatch').flatMap((c) => labels.flatMap((l) => {
    const g = cell(l, c.axes);
    const p = g === undefined ? undefined : paired.find((x) => x.group === g || x.group.key === g.key);
    if (p === undefined) return [];
    const { mean, std, n } = meanStd(p.differences.map((d) => d.difference));
    return [`${c.title} ${points(mean)}${n < 2 ? '' : ` ± ${(100 * std).toFixed(1)}`} at ${l} labels`];
  }));
  if (diffs.length > 0) lines.push('', `Difference from FixMatch + DA on the same seed, in points (mean ± std over seeds): ${diffs.join('; ')}.`);
  const segments = results.flatMap((c) => c.segments ?? []);
  const commits = new Set(segments.map((s) => s.commit).filter((c) => c !== undefined));
  lines.push('', `The cells ran in ${segments.length} processes (segments) on ${commits.size} commits; ` +
    `${segments.filter((s) => s.commit === undefined).length} segments of resumed cells ran code that was not recorded ` +
    '(docs/results.md, "Time per run").');
  return `${lines.join('\n')}\n`;
}

/**
 * README's summary of the ISIC-shaped long-tail study: per method (every group but the label budget),
 * balanced accuracy and minority recall (grid.minorityClasses) at each budget, mean ± std over the seeds
 * finished so far, and the paired difference in balanced accuracy on the same seed from the baseline and
 * from the first of `moreBaselines`.
 */
export function longTailSummaryMarkdown(grid: SweepGrid, results: readonly CellResult[], studyDir: string): string {
  const groups = groupCells(grid, results);
  const minority = grid.minorityClasses ?? [];
  const labels = [...new Set(groups.map((g) => g.axes.labels))].filter((l) => l !== undefined).sort((a, b) => Number(a) - Number(b));
  const nameOf = (g: GroupSummary): string => Object.entries(g.axes).filter(([k]) => k !== 'labels')
    .map(([k, v]) => (k === 'method' ? `\`${v}\`` : `${k} ${v}`)).join(', ');
  const methods = [...new Set(groups.map(nameOf))];
  // The grid's baseline and its first further baseline (results.md has a paired table for every one).
  const baselines = [grid.baseline, ...(grid.moreBaselines ?? [])].filter((b) => b !== undefined).slice(0, 2);
  const paireds = baselines.map((b) => pairedDifferences(grid, results, b));
  const baselineName = (b: Record<string, unknown>): string => Object.entries(b)
    .map(([k, v]) => (k === 'method' ? `\`${String(v)}\`` : `${k} ${String(v)}`)).join(', ');
  const recall = (c: CellResult): number => {
    const r = c.test.ema.recall;
    const xs = r === undefined ? [] : minority.map((k) => r[k]);
    return xs.length > 0 && xs.every((x) => typeof x === 'number' && Number.isFinite(x)) ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
  };
  const entry = (method: string, l: string | number | boolean): string => {
    const g = groups.find((x) => nameOf(x) === method && x.axes.labels === l);
    if (g === undefined) return ['–', '–', ...paireds.map(() => '–')].join(' | ');
    const diffs = paireds.map((paired) => {
      const p = paired.find((x) => x.group.key === g.key);
      const d = p === undefined ? undefined : meanStd(p.differences.map((x) => x.difference));
      return d === undefined || d.n === 0 ? '–' : `${points(d.mean)}${d.n < 2 ? '' : ` ± ${(100 * d.std).toFixed(1)}`}`;
    });
    return [pmPct(g.cells.map((c) => c.test.ema.balancedAccuracy)), pmPct(g.cells.map(recall)), ...diffs].join(' | ');
  };
  const deltaNames = baselines.map((_, i) => `Δ${baselines.length > 1 ? String.fromCharCode(0x2081 + i) : ''}`);
  const lines = [
    `${results.length} of ${grid.cells.length} cells finished (seeds per entry: ${[...new Set(groups.map((g) => g.cells.length))].sort().join(' or ') || '–'}), ` +
      `from the result files in [${relative(ROOT, studyDir)}](${relative(ROOT, studyDir)}). Balanced accuracy and minority recall ` +
      `(mean recall of ${minority.map((k) => grid.classNames?.[k] ?? `class ${k}`).join(', ')}) of the last-step EMA model on test, and the ` +
      `difference in balanced accuracy on the same seed, in points, from ${baselines.map((b, i) => `${baselineName(b)} (${deltaNames[i]})`).join(' and from ')}:`,
    '',
    `| method | ${labels.map((l) => [`${l} labels: balanced acc.`, 'minority recall', ...deltaNames].join(' | ')).join(' | ')} |`,
    `|---|${labels.map(() => ['---:', '---:', ...deltaNames.map(() => '---:')].join('|')).join('|')}|`,
    ...methods.map((m) => `| ${m} | ${labels.map((l) => entry(m, l)).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The sweep block of a results doc as `tear-ssl sweep --doc` writes it (curve links into `<doc folder>/<id>/`). */
function sweepDocBody(docFile: string, id: string, markdown: string, curves: readonly string[]): string {
  let body = markdown;
  for (const file of curves) body = body.split(`](${file})`).join(`](${relative(dirname(docFile), join(dirname(docFile), id, basename(file)))})`);
  return body;
}

/** The newest benchmark record (bench/records/*.md, named by time). */
export function newestBenchRecord(root = ROOT): string | undefined {
  const dir = join(root, 'bench', 'records');
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
  return files.length === 0 ? undefined : join(dir, files[files.length - 1]);
}

/** The bench block of docs/benchmarks.md: the newest record, verbatim, and where it is. */
export function benchBlock(root = ROOT): string {
  const record = newestBenchRecord(root);
  if (record === undefined) return 'No benchmark record is committed (bench/records/ is empty): run `npm run bench -- --record`, then `npm run docs:render`.\n';
  const rel = relative(root, record);
  const text = readFileSync(record, 'utf8');
  const busy = benchLoad(text);
  const warning = busy === undefined || !busy.busy ? '' : `> **Measured on a busy machine** (1-minute load ${busy.loads.map((l) => l.toFixed(1)).join(' and ')} ` +
    `on ${busy.cores} cores, at the start and end of the run; quiet means at most ${BUSY_LOAD_PER_CORE} per core): every time and ratio ` +
    'below is unreliable, whatever its table says.\n\n';
  return `Record: [${rel}](../${rel}), the output of \`npm run bench -- --record\`, verbatim.\n\n${warning}${text}`;
}


/**
 * The 1-minute load averages a bench record states (its Machine line at the start and its last line at the
 * end) and whether either exceeds BUSY_LOAD_PER_CORE per core; undefined when the record states neither.
 */
export function benchLoad(text: string): { cores: number; loads: number[]; busy: boolean } | undefined {
  const cores = Number(/(\d+) logical cores/.exec(text)?.[1]);
  const loads = [...text.matchAll(/[Ll]oad average(?: at the end)?:? (\d+(?:\.\d+)?)\//g)].map((m) => Number(m[1]));
  if (!Number.isFinite(cores) || cores <= 0 || loads.length === 0) return undefined;
  return { cores, loads, busy: loads.some((l) => l > BUSY_LOAD_PER_CORE * cores) };
}

/**
 * docs/results.md's "Reproducing from HEAD" block: each cell of the HEAD re-run (studies/fashion-mnist-head)
 * beside the recorded cell of the same id (studies/fashion-mnist), with the commits that trained each, the
 * difference in test top-1 of the EMA model, and per method the mean ± std of those differences; then the
 * study's comparison (TEAR − FixMatch + DA on the same seed) from both sets of cells.
 */
export function headReproductionMarkdown(recorded: readonly CellResult[], head: readonly CellResult[]): string {
  if (head.length === 0) return 'No cell of the HEAD re-run has finished yet.\n';
  const byId = new Map(recorded.map((c) => [c.id, c]));
  const commits = (c: CellResult): string => {
    const segs = c.segments ?? [];
    const list = [...new Set(segs.map((s) => s.commit ?? 'unrecorded'))];
    return `${list.map((x) => `\`${x}\``).join(', ')} (${segs.length} segment${segs.length === 1 ? '' : 's'})`;
  };
  const top1 = (c: CellResult): number => c.test.ema.top1;
  // Top-1, balanced accuracy, macro-F1 and macro AUC of the EMA model and of the student, to the last bit.
  const testNumbers = (c: CellResult): number[] => (['ema', 'student'] as const)
    .flatMap((m) => [c.test[m].top1, c.test[m].balancedAccuracy, c.test[m].macroF1, c.test[m].macroAuc]);
  const sameTestNumbers = (a: CellResult, b: CellResult): boolean => testNumbers(a).every((v, i) => Object.is(v, testNumbers(b)[i]));
  const lines = [
    `Test top-1 of the last-step EMA model, in %; ${head.length} of the re-run's cells have finished. The last column says whether ` +
      'top-1, balanced accuracy, macro-F1 and macro AUC of both the EMA model and the student are equal to the last bit.',
    '',
    '| cell | recorded | trained by | HEAD | trained by | HEAD − recorded (points) | every test number equal |',
    '|---|---:|---|---:|---|---:|---|',
  ];
  const diffs = new Map<string, number[]>();
  for (const h of [...head].sort((a, b) => a.id.localeCompare(b.id))) {
    const r = byId.get(h.id);
    if (r !== undefined && r.settingsHash !== h.settingsHash) throw new Error(`${h.id}: the re-run's settings hash ${h.settingsHash} differs from the recorded cell's ${r.settingsHash}`);
    const d = r === undefined ? undefined : top1(h) - top1(r);
    if (d !== undefined) diffs.set(String(h.axes.method), [...(diffs.get(String(h.axes.method)) ?? []), d]);
    lines.push(`| ${h.id} | ${r === undefined ? '–' : pct(top1(r))} | ${r === undefined ? '–' : commits(r)} | ${pct(top1(h))} | ${commits(h)} | ${d === undefined ? '–' : points(d)} | ${r === undefined ? '–' : sameTestNumbers(r, h) ? 'yes' : 'no'} |`);
  }
  lines.push('');
  const summary = [...diffs].map(([m, ds]) => {
    const { mean, std, n } = meanStd(ds);
    const maxAbs = Math.max(...ds.map(Math.abs));
    return `\`${m}\` ${points(mean)}${n < 2 ? '' : ` ± ${(100 * std).toFixed(1)}`} (largest ${(100 * maxAbs).toFixed(1)}, n = ${n})`;
  });
  lines.push(`HEAD − recorded, mean ± std over seeds, in points: ${summary.join('; ')}.`);
  const paired = (cells: readonly CellResult[]): number[] => cells.filter((c) => c.axes.method === 'tear').flatMap((t) => {
    const f = cells.find((c) => c.axes.method === 'fixmatch' && c.axes.seed === t.axes.seed && c.axes.labels === t.axes.labels);
    return f === undefined ? [] : [top1(t) - top1(f)];
  });
  const ids = new Set(head.map((h) => h.id));
  const show = (ds: number[]): string => {
    const { mean, std, n } = meanStd(ds);
    return n === 0 ? '–' : `${points(mean)}${n < 2 ? '' : ` ± ${(100 * std).toFixed(1)}`} (n = ${n})`;
  };
  lines.push('', `TEAR − FixMatch + DA on the same seed, in points: recorded ${show(paired(recorded.filter((c) => ids.has(c.id))))}, ` +
    `HEAD ${show(paired(head))}.`);
  return `${lines.join('\n')}\n`;
}

/** One generated file or block: its path, and its expected content. */
export interface Rendered {
  file: string;
  /** What the check reports when it differs: the block or file. */
  what: string;
  expected: string;
}

/** The document whose `sweep:<id>` block each study fills (the curves are copied to docs/<id>/). */
export const STUDY_DOCS: Readonly<Record<string, string>> = {
  'label-budget': 'docs/results.md',
  'isic-shaped': 'docs/results-long-tail.md',
};

/**
 * Renders every generated file and block into memory. With `svg` the study curves are rendered too
 * (needs vega and vega-lite, dev dependencies); otherwise the results name the curves that exist.
 */
export async function renderAll(root = ROOT, opts: { svg?: boolean } = {}): Promise<Rendered[]> {
  const out: Rendered[] = [];
  const docs = new Map<string, string>();
  const doc = (file: string): string => docs.get(file) ?? readFileSync(join(root, file), 'utf8');
  for (const study of studies(root)) {
    const results = finishedCells(study.grid, study.dir);
    const rel = relative(root, study.dir);
    out.push({ file: join(rel, 'results.jsonl'), what: 'one line per finished cell (result.json)', expected: results.map((r) => `${JSON.stringify(r)}\n`).join('') });
    const curves: string[] = [];
    for (const { file, spec } of results.length > 0 ? curveSpecs(study.grid, study.dir, results) : []) {
      if (opts.svg) {
        const rendered = await renderSvg(spec);
        if ('svg' in rendered) {
          out.push({ file: join(rel, file), what: 'curve', expected: rendered.svg });
          curves.push(file);
        }
      } else if (existsSync(join(study.dir, file))) {
        curves.push(file);
      }
    }
    const markdown = resultsMarkdown(study.grid, results, curves);
    out.push({ file: join(rel, 'results.md'), what: 'the study\'s results', expected: markdown });
    const docFile = STUDY_DOCS[study.id];
    if (docFile !== undefined) {
      docs.set(docFile, replaceBlock(doc(docFile), docMarkers(study.id), sweepDocBody(join(root, docFile), study.id, markdown, curves), docFile));
      for (const file of curves) {
        const svg = out.find((r) => r.file === join(rel, file))?.expected ?? readFileSync(join(study.dir, file), 'utf8');
        out.push({ file: join('docs', study.id, file), what: 'curve (a copy of the study\'s)', expected: svg });
      }
    }
    if (study.id === 'label-budget') {
      docs.set('README.md', replaceBlock(doc('README.md'), generatedMarkers('study-summary'), studySummaryMarkdown(study.grid, results, study.dir), 'README.md'));
    }
    if (study.id === 'isic-shaped') {
      docs.set('README.md', replaceBlock(doc('README.md'), generatedMarkers('long-tail-summary'), longTailSummaryMarkdown(study.grid, results, study.dir), 'README.md'));
    }
  }
  const recordedStudy = studies(root).find((s) => s.id === 'label-budget');
  const headStudy = studies(root).find((s) => s.id === 'label-budget-head');
  if (recordedStudy !== undefined && headStudy !== undefined) {
    docs.set('docs/results.md', replaceBlock(doc('docs/results.md'), generatedMarkers('head-reproduction'),
      headReproductionMarkdown(finishedCells(recordedStudy.grid, recordedStudy.dir), finishedCells(headStudy.grid, headStudy.dir)), 'docs/results.md'));
  }
  docs.set('docs/reliability.md', replaceBlock(doc('docs/reliability.md'), generatedMarkers('soak'), soakSummaryMarkdown(soakRecords(root)), 'docs/reliability.md'));
  docs.set('docs/trainer.md', replaceBlock(doc('docs/trainer.md'), generatedMarkers('config-options'), configOptionsMarkdown(), 'docs/trainer.md'));
  docs.set('docs/cli.md', replaceBlock(doc('docs/cli.md'), generatedMarkers('train-options'), trainOptionsMarkdown(), 'docs/cli.md'));
  docs.set('docs/benchmarks.md', replaceBlock(doc('docs/benchmarks.md'), { begin: '<!-- bench:start -->', end: '<!-- bench:end -->' }, benchBlock(root), 'docs/benchmarks.md'));
  const newest = newestBenchRecord(root);
  docs.set('docs/benchmarks.md', replaceBlock(doc('docs/benchmarks.md'), generatedMarkers('bench-targets'),
    benchTargetsMarkdown(newest === undefined ? undefined : readFileSync(newest, 'utf8'), newest === undefined ? undefined : `../${relative(root, newest)}`), 'docs/benchmarks.md'));
  docs.set('docs/benchmarks.md', replaceBlock(doc('docs/benchmarks.md'), generatedMarkers('ab-results'), abResultsMarkdown(root), 'docs/benchmarks.md'));
  for (const [file, expected] of docs) out.push({ file, what: 'generated blocks', expected });
  return out;
}

/** The generated files whose committed text differs from a fresh rendering, with the first differing line. */
export function staleFiles(rendered: readonly Rendered[], root = ROOT): string[] {
  return rendered.flatMap((r) => {
    const path = join(root, r.file);
    const actual = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (actual === r.expected) return [];
    if (actual === undefined) return [`${r.file} (${r.what}): missing`];
    const a = actual.split('\n');
    const e = r.expected.split('\n');
    const i = e.findIndex((line, k) => line !== a[k]);
    const at = i < 0 ? a.length : i;
    return [`${r.file} (${r.what}): differs from its records at line ${at + 1}: has ${JSON.stringify((a[at] ?? '(end of file)').slice(0, 120))}, ` +
      `expected ${JSON.stringify((e[at] ?? '(end of file)').slice(0, 120))}`];
  });
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const rendered = await renderAll(ROOT, { svg: !process.argv.includes('--no-svg') });
  if (check) {
    const stale = staleFiles(rendered);
    if (stale.length > 0) {
      console.error(`${stale.join('\n')}\nRun npm run docs:render (the records are the truth; do not edit generated blocks by hand).`);
      process.exitCode = 1;
      return;
    }
    console.log(`${rendered.length} generated files and blocks match their records`);
    return;
  }
  let changed = 0;
  for (const r of rendered) {
    const path = join(ROOT, r.file);
    if (existsSync(path) && readFileSync(path, 'utf8') === r.expected) continue;
    await writeFileAtomic(path, r.expected);
    console.log(`wrote ${r.file}`);
    changed += 1;
  }
  console.log(`${changed} of ${rendered.length} generated files and blocks rewritten`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
