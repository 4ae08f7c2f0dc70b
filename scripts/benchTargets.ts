/**
 * Speed targets (issue 19) read from a benchmark record, and the in-process A/B records of bench/results/,
 * as markdown for docs/benchmarks.md: every number comes from a committed file, none is typed by hand.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A markdown table: its header cells and rows of cells (trimmed), in the order they appear. */
export interface MarkdownTable {
  header: string[];
  rows: string[][];
}

const cells = (line: string): string[] => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());

/** Every table of `text` (a header line, a `|---|` line, then rows until a line that does not start with `|`). */
export function markdownTables(text: string): MarkdownTable[] {
  const lines = text.split('\n');
  const tables: MarkdownTable[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].trim().startsWith('|') || !/^\|?\s*:?-{3,}/.test(lines[i + 1].trim())) continue;
    const header = cells(lines[i]);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j].trim().startsWith('|'); j++) rows.push(cells(lines[j]));
    tables.push({ header, rows });
    i = j - 1;
  }
  return tables;
}

/** The first number of a cell ("0.98 (0.93–1.10)×" → 0.98, "0.64×" → 0.64); undefined for "–" or text. */
export function leadingNumber(cell: string | undefined): number | undefined {
  const m = /^(-?\d+(?:\.\d+)?)/.exec(cell ?? '');
  return m === null ? undefined : Number(m[1]);
}

/** The column of `table` whose header starts with `prefix`, or -1. */
const column = (table: MarkdownTable, prefix: string): number => table.header.findIndex((h) => h.startsWith(prefix));

interface Target {
  goal: string;
  /** The measured value's cell as the record writes it (median and range), or undefined when the record lacks it. */
  cell: string | undefined;
  /** Whether the value meets the goal; undefined when not measured. */
  met: boolean | undefined;
  note?: string;
}

const SSL_SHAPE = { batch: '32', mu: '3' };
const MODELS = [['small CNN 28×28×1', 'small CNN'], ['WRN-28-2 32×32×3', 'WRN-28-2']] as const;

/**
 * The targets of issue 19 against one record: our FixMatch step ÷ PyTorch's ≥ 1.0 and TEAR ÷ FixMatch ≤ 1.10 on
 * tfjs-node at B = 32, μ = 3 (small CNN and WRN-28-2), and the wasm raw training step ≥ 0.5× PyTorch with one
 * thread. Records written before a model column existed in the SSL table count their rows as the small CNN's.
 */
export function benchTargets(record: string): Target[] {
  const tables = markdownTables(record);
  const ssl = tables.find((t) => column(t, 'tear ÷ fixmatch') >= 0);
  const raw = tables.find((t) => column(t, 'vs PyTorch') >= 0 && column(t, 'engine') >= 0);
  const targets: Target[] = [];
  for (const [model, short] of MODELS) {
    const row = ssl?.rows.find((r) => {
      const at = (p: string) => r[column(ssl, p)];
      const m = column(ssl, 'model') >= 0 ? at('model') : 'small CNN 28×28×1';
      return m === model && at('backend') === 'tensorflow' && at('B') === SSL_SHAPE.batch && at('μ') === SSL_SHAPE.mu;
    });
    const cell = (prefix: string): string | undefined => {
      const c = ssl === undefined || row === undefined ? undefined : row[column(ssl, prefix)];
      return c === undefined || c === '–' ? undefined : c;
    };
    const speed = cell('our FixMatch speed');
    targets.push({ goal: `${short}: FixMatch step on tfjs-node ≥ 1.0× PyTorch's (B = 32, μ = 3, 2 threads each)`, cell: speed,
      met: leadingNumber(speed) === undefined ? undefined : (leadingNumber(speed) as number) >= 1.0 });
    const ratio = cell('tear ÷ fixmatch');
    const floor = cell('(fixmatch + reference forward)');
    targets.push({ goal: `${short}: TEAR step ≤ 1.10× FixMatch's on tfjs-node (B = 32, μ = 3)`, cell: ratio,
      met: leadingNumber(ratio) === undefined ? undefined : (leadingNumber(ratio) as number) <= 1.10,
      note: floor === undefined ? undefined : `floor from the reference forward alone: ${floor}` });
  }
  const ceiling = tables.find((t) => column(t, 'ceiling vs PyTorch') >= 0);
  for (const [model, short] of MODELS) {
    const row = raw?.rows.find((r) => r[column(raw, 'model')] === model && r[column(raw, 'engine')] === 'tear-ssl wasm, 1 process');
    const c = raw === undefined || row === undefined ? undefined : row[column(raw, 'vs PyTorch')];
    const v = leadingNumber(c);
    const bound = ceiling?.rows.find((r) => r[column(ceiling, 'model')] === model)?.[column(ceiling, 'ceiling vs PyTorch')];
    targets.push({ goal: `${short}: wasm raw training step ≥ 0.5× PyTorch with 1 thread (batch 64)`, cell: v === undefined ? undefined : c,
      met: v === undefined ? undefined : v >= 0.5,
      note: bound === undefined ? undefined : `ceiling with every FLOP at XNNPACK's GEMM rate: ${bound}` });
  }
  return targets;
}

/** The targets as a markdown table, naming the record they were read from (`recordRel`, relative to docs/). */
export function benchTargetsMarkdown(record: string | undefined, recordRel: string | undefined): string {
  if (record === undefined || recordRel === undefined) return 'No benchmark record is committed.\n';
  const rows = benchTargets(record).map((t) => `| ${t.goal} | ${t.cell ?? 'not in the record'} | ${t.met === undefined ? '–' : t.met ? 'met' : '**not met**'} | ${t.note ?? ''} |`);
  return [
    `Read from [${recordRel.replace(/^\.\.\//, '')}](${recordRel}) (per-round median and range, as the record gives them).`,
    '',
    '| target | measured: median (range) | verdict | note |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** The A/B records (bench/results/*-ab-*.md), oldest first: title, file, verdict line and result table, verbatim. */
export function abResultsMarkdown(root: string): string {
  const dir = join(root, 'bench', 'results');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /-ab-.*\.md$/.test(f)).sort() : [];
  if (files.length === 0) return 'No A/B record is committed.\n';
  const parts = files.map((f) => {
    const text = readFileSync(join(dir, f), 'utf8');
    const title = (text.split('\n').find((l) => l.startsWith('# ')) ?? `# ${f}`).replace(/^# /, '');
    const verdict = text.split('\n').find((l) => l.startsWith('Verdict:')) ?? 'Verdict: (not stated)';
    const table = text.split('\n').filter((l) => l.trim().startsWith('|')).join('\n');
    return `**${title}** ([record](../bench/results/${f}))\n\n${verdict}\n\n${table}\n`;
  });
  return `${parts.join('\n')}`;
}
