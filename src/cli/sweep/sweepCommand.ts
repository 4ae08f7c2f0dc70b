import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../util/atomicWrite';
import { CliUsageError, InterruptedError } from '../cliError';
import type { CliIo } from '../io';
import { WriteFailedError } from '../../util/writeErrors';
import { explainSweepWriteFailure, shellWord } from '../writeFailure';
import { STOP_EXIT_CODES, shellQuote, type StopRequest } from '../stopSignals';
import { DEFAULT_STALE_SECONDS } from './cellLock';
import { renderResultsDoc } from './renderResultsDoc';
import { childProcessLauncher, runSweep, schedulerJob, type CellLauncher } from './runSweep';
import { slurmArrayScript, submitSlurmScript, waitForSlurmJob, type SlurmSettings } from './slurm';
import { cellPaths, cellStatus, gridHash, settingsHash } from './sweepCells';
import { readSweepGrid, runOrder, type SweepGrid } from './sweepGrid';
import { writeSweepResults } from './sweepResults';

/** Environment variables `--cell-index env` reads, in this order: Slurm array tasks, Kubernetes Indexed Jobs. */
export const CELL_INDEX_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'] as const;

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
  /** Run only this cell of the grid's run order; 'env' reads it from {@link CELL_INDEX_VARIABLES}. */
  cellIndex?: number | 'env';
  /** With cellIndex: refuse unless the grid's hash is this (the array job was written for this grid). */
  gridHash?: string;
  /** Seconds without a heartbeat after which a cell's lock is taken over (default 300). */
  staleSeconds?: number;
  /** Write an sbatch array script (one task per unfinished cell) instead of training here. */
  slurm?: SlurmSettings & { submit?: boolean; wait?: boolean };
  /** The command that runs tear-ssl on the compute nodes (default: this node and this CLI's entry). */
  cli?: string[];
  /** Seconds between `squeue` polls with slurm.wait (default 5). */
  pollSeconds?: number;
  /** Stop signals (the CLI's SIGINT/SIGTERM listener): passed to the running cells. */
  stop?: StopRequest;
  /** Environment for `--cell-index env` and the scheduler's job name (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * `tear-ssl sweep GRID`: runs what is missing of a grid, then writes results (and the doc). Exit 1 if a
 * cell failed; 130 or 143 when stopped by SIGINT or SIGTERM (the cells wrote checkpoints). A write of the
 * sweep's own files refused by the system (a full disk) is a WriteFailedError naming the file, what is
 * intact and the command to go on.
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
  const staleSeconds = options.staleSeconds ?? DEFAULT_STALE_SECONDS;
  const env = options.env ?? process.env;
  if (options.slurm !== undefined) return slurmCommand(grid, out, options, io);
  const cellIndex = options.cellIndex === 'env' ? cellIndexFromEnv(env) : options.cellIndex;
  if (cellIndex !== undefined && options.gridHash !== undefined) {
    const now = gridHash(runOrder(grid));
    if (now !== options.gridHash) {
      throw new CliUsageError(`--grid-hash ${options.gridHash}: ${options.grid} has changed since this array job was written (its hash is now ${now}), ` +
        'so task indices would name other cells; write the job again with --slurm');
    }
  }
  let failed = 0;
  if (!options.renderOnly) {
    const summary = await runSweep(grid, {
      out, parallel: options.parallel, maxCells: options.maxCells, dryRun: options.dryRun, cellIndex, staleSeconds, stop: options.stop,
      launcher: options.launcher ?? childProcessLauncher(), say: (line) => io.out(line),
      // An array task writes its own cell only: the shared results are rendered once, at the end (--render-only or --wait).
      writeResults: cellIndex === undefined, job: schedulerJob(env),
    });
    failed = summary.failed.length + summary.refused.length;
    if (options.dryRun) return 0;
    if (summary.stopped !== undefined) {
      const again = [`tear-ssl sweep ${shellQuote(options.grid)}`, ...(options.out ? [`--out ${shellQuote(options.out)}`] : []),
        ...(options.cellIndex !== undefined ? [`--cell-index ${options.cellIndex}`] : [])].join(' ');
      throw new InterruptedError(`sweep stopped by ${summary.stopped}: ${summary.finished.length} cell(s) finished, ` +
        `${summary.interrupted.length} stopped with a checkpoint${summary.interrupted.length ? ` (${summary.interrupted.join(', ')})` : ''}\n` +
        `  continue with: ${again}`, STOP_EXIT_CODES[summary.stopped]);
    }
    if (cellIndex !== undefined) {
      io.out(`cell ${cellIndex} (${grid.cells.length} in all): results table with tear-ssl sweep ${shellQuote(options.grid)}${options.out ? ` --out ${shellQuote(options.out)}` : ''} --render-only`);
      return failed > 0 ? 1 : 0;
    }
  }
  await render(grid, out, options, io);
  return failed > 0 ? 1 : 0;
}

/** Writes results.jsonl, results.md, the curves and --doc. */
async function render(grid: SweepGrid, out: string, options: SweepCommandOptions, io: CliIo): Promise<void> {
  const { markdown, curves } = await writeSweepResults(grid, out);
  io.out(`results: ${resolve(out, 'results.md')} (${markdown.split('\n').length} lines, ${curves.length} curves)`);
  if (options.doc !== undefined) {
    await renderResultsDoc(options.doc, basename(options.grid).replace(/\.json$/, ''), markdown, curves, out);
    io.out(`doc: ${options.doc}`);
  }
}

/** The cell index of an array task, from the first of {@link CELL_INDEX_VARIABLES} that is set. */
export function cellIndexFromEnv(env: NodeJS.ProcessEnv): number {
  for (const name of CELL_INDEX_VARIABLES) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (!/^\d+$/.test(raw.trim())) throw new CliUsageError(`--cell-index env: ${name} is '${raw}', not a non-negative integer`);
    return Number(raw);
  }
  throw new CliUsageError(`--cell-index env: none of ${CELL_INDEX_VARIABLES.join(', ')} is set (run it as an array task, or give the index as a number)`);
}

/**
 * `--slurm`: writes `<out>/slurm/<grid>.sbatch` (one array task per unfinished cell, by its index in
 * the run order) and prints it; `--submit` submits it with sbatch; `--wait` then blocks until every task
 * has ended and renders the results (exit 1 if a cell is still unfinished).
 */
async function slurmCommand(grid: SweepGrid, out: string, options: SweepCommandOptions, io: CliIo): Promise<number> {
  const slurm = options.slurm as NonNullable<SweepCommandOptions['slurm']>;
  const staleSeconds = options.staleSeconds ?? DEFAULT_STALE_SECONDS;
  const order = runOrder(grid);
  const statuses = order.map((cell) => cellStatus(cellPaths(out, cell), settingsHash(cell.settings), staleSeconds));
  const refused = order.filter((_, i) => statuses[i].kind === 'changed');
  for (const cell of refused) io.out(`refused ${cell.id}: ${(statuses[order.indexOf(cell)] as { why: string }).why}; move the cell folder away to rerun it`);
  const indices = order.map((_, i) => i).filter((i) => statuses[i].kind !== 'done' && statuses[i].kind !== 'changed');
  const gridFile = resolve(options.grid);
  if (indices.length === 0) {
    io.out(`sweep ${grid.name}: nothing to submit: ${order.length - refused.length} of ${order.length} cells finished`);
    if (slurm.wait) await render(grid, out, options, io);
    return refused.length > 0 ? 1 : 0;
  }
  const logDir = join(out, 'slurm', 'logs');
  const script = slurmArrayScript({
    gridFile, out, indices, total: order.length, cwd: process.cwd(), gridHash: gridHash(order), logDir, settings: slurm,
    cli: options.cli ?? [process.execPath, ...process.execArgv, resolve(process.argv[1])],
    staleSeconds: options.staleSeconds,
  });
  const file = join(out, 'slurm', `${basename(gridFile).replace(/\.json$/, '')}.sbatch`);
  mkdirSync(logDir, { recursive: true });
  await writeFileAtomic(file, script);
  io.out(script.trimEnd());
  io.out(`wrote ${file}: ${indices.length} array task(s), one per unfinished cell; logs in ${logDir}`);
  if (!slurm.submit) {
    io.out(`submit with: sbatch ${shellQuote(file)}`);
    return refused.length > 0 ? 1 : 0;
  }
  const jobId = submitSlurmScript(file);
  io.out(`submitted job ${jobId} (${indices.length} task(s)); watch with: squeue -j ${jobId}`);
  if (!slurm.wait) return refused.length > 0 ? 1 : 0;
  await waitForSlurmJob(jobId, (line) => io.out(line), options.pollSeconds ?? 5);
  const unfinished = indices.filter((i) => cellStatus(cellPaths(out, order[i]), settingsHash(order[i].settings), staleSeconds).kind !== 'done');
  await render(grid, out, options, io);
  if (unfinished.length > 0) {
    io.out(`job ${jobId} ended with ${unfinished.length} cell(s) unfinished: ${unfinished.map((i) => `${i} (${order[i].id}, log ${join(logDir, `${jobId}_${i}.log`)})`).join(', ')}`);
    return 1;
  }
  io.out(`job ${jobId} finished every cell`);
  return refused.length > 0 ? 1 : 0;
}
