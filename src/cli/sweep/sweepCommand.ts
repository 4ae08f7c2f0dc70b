import { basename, dirname, resolve } from 'node:path';
import { WriteFailedError } from '../../util/writeErrors';
import type { CliIo } from '../io';
import { explainSweepWriteFailure, shellWord } from '../writeFailure';
import { renderResultsDoc } from './renderResultsDoc';
import { childProcessLauncher, runSweep, type CellLauncher } from './runSweep';
import { readSweepGrid } from './sweepGrid';
import { writeSweepResults } from './sweepResults';

export interface SweepCommandOptions {
  grid: string;
  out?: string;
  parallel: number;
  maxCells?: number;
  dryRun: boolean;
  /** Only rewrite the results files (and --doc) from finished cells; train nothing. */
  renderOnly: boolean;
  /** A markdown file with the sweep's markers: its generated block is replaced (docs/results.md). */
  doc?: string;
  /** How cells are trained (default: a child process per cell running this CLI). */
  launcher?: CellLauncher;
}

/**
 * `tear-ssl sweep GRID`: runs what is missing of a grid, then writes results (and the doc). Exit 1 if a cell
 * failed. A write of the sweep's own files refused by the system (a full disk) is a WriteFailedError
 * naming the file, what is intact and the command to go on.
 */
export async function runSweepCommand(options: SweepCommandOptions, io: CliIo): Promise<number> {
  try {
    return await sweepInto(options, io);
  } catch (e) {
    throw e instanceof WriteFailedError ? explainSweepWriteFailure(e, sweepCommandLine(options)) : e;
  }
}

/** The `tear-ssl sweep` command line of these options (to run it again). */
function sweepCommandLine(o: SweepCommandOptions): string {
  return ['tear-ssl sweep', shellWord(o.grid), o.out === undefined ? '' : `--out ${shellWord(o.out)}`, o.parallel > 1 ? `--parallel ${o.parallel}` : '',
    o.maxCells === undefined ? '' : `--max-cells ${o.maxCells}`, o.renderOnly ? '--render-only' : '', o.doc === undefined ? '' : `--doc ${shellWord(o.doc)}`]
    .filter((w) => w !== '').join(' ');
}

async function sweepInto(options: SweepCommandOptions, io: CliIo): Promise<number> {
  const grid = readSweepGrid(options.grid);
  const out = resolve(options.out ?? dirname(options.grid));
  let failed = 0;
  if (!options.renderOnly) {
    const summary = await runSweep(grid, {
      out, parallel: options.parallel, maxCells: options.maxCells, dryRun: options.dryRun,
      launcher: options.launcher ?? childProcessLauncher(), say: (line) => io.out(line),
    });
    failed = summary.failed.length + summary.refused.length;
    if (options.dryRun) return 0;
  }
  const { markdown, curves } = await writeSweepResults(grid, out);
  io.out(`results: ${resolve(out, 'results.md')} (${markdown.split('\n').length} lines, ${curves.length} curves)`);
  if (options.doc !== undefined) {
    await renderResultsDoc(options.doc, basename(options.grid).replace(/\.json$/, ''), markdown, curves, out);
    io.out(`doc: ${options.doc}`);
  }
  return failed > 0 ? 1 : 0;
}
