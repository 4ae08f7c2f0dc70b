import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { makeFolder, writeFileAtomic } from '../../util/atomicWrite';
import { checkpointDir } from '../checkpointFiles';
import { readMetricsLog } from '../metricsLog';
import { readRunRecord } from '../runRecord';
import { cellResultFrom, currentCommit } from './cellResult';
import { cellPaths, cellStatus, lastErrorLine, settingsHash, writeLock, type CellPaths, type CellStatus } from './sweepCells';
import { runOrder, type SweepCell, type SweepGrid } from './sweepGrid';
import { writeSweepResults } from './sweepResults';

/**
 * Runs one `tear-ssl train` invocation for a cell (argv without the program name) and resolves to its exit
 * code. `onStart(pid)` names the process that trains, for the cell's lock.
 */
export type CellLauncher = (argv: string[], paths: CellPaths, onStart: (pid: number) => void) => Promise<number>;

/** Options of {@link runSweep}. */
export interface SweepOptions {
  /** Output folder (default: the grid file's folder): cells/<id>/, configs/, results.jsonl, results.md, curves. */
  out?: string;
  /** Cells trained at once (default 1). Each needs its own process: use {@link childProcessLauncher}. */
  parallel?: number;
  launcher: CellLauncher;
  /** Start at most this many cells in this call (the rest stay for the next call). */
  maxCells?: number;
  /** Only say what would run. */
  dryRun?: boolean;
  /** One line per event (plan, cell start, cell end, failure). */
  say?: (line: string) => void;
}

/** What {@link runSweep} found and did: the plan (each cell's status), finished, failed and refused cells. */
export interface SweepSummary {
  out: string;
  plan: Array<{ id: string; status: CellStatus }>;
  finished: string[];
  failed: Array<{ id: string; code: number }>;
  /** Cells whose result.json belongs to other settings: refused, never overwritten. */
  refused: string[];
}

/**
 * Runs what is missing of a sweep: finished cells (result.json for the same settings) are skipped,
 * interrupted ones resume from their newest checkpoint, the rest start; a cell trained by a live process
 * (its lock) is left alone. After each finished cell the results files are rewritten, so a sweep stopped
 * at any moment keeps every finished cell and loses at most the steps since a cell's last checkpoint.
 */
export async function runSweep(grid: SweepGrid, options: SweepOptions): Promise<SweepSummary> {
  const out = resolve(options.out ?? dirname(grid.file));
  const say = options.say ?? (() => {});
  const parallel = options.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`tear-ssl sweep: parallel must be a positive integer, got ${parallel}`);
  const plan = runOrder(grid).map((cell) => {
    const paths = cellPaths(out, cell);
    return { cell, paths, hash: settingsHash(cell.settings), status: cellStatus(paths, settingsHash(cell.settings)) };
  });
  const summary: SweepSummary = { out, plan: plan.map((p) => ({ id: p.cell.id, status: p.status })), finished: [], failed: [], refused: [] };
  const counts = new Map<string, number>();
  for (const p of plan) counts.set(p.status.kind, (counts.get(p.status.kind) ?? 0) + 1);
  say(`sweep ${grid.name}: ${plan.length} cells (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}) in ${out}`);
  for (const p of plan) {
    if (p.status.kind === 'changed') {
      summary.refused.push(p.cell.id);
      say(`refused ${p.cell.id}: ${p.status.why}; move the cell folder away to rerun it`);
    } else if (p.status.kind === 'running') {
      say(`skipped ${p.cell.id}: process ${p.status.pid} is training it`);
    }
  }
  const queue = plan.filter((p) => p.status.kind === 'new' || p.status.kind === 'resume').slice(0, options.maxCells ?? Infinity);
  if (options.dryRun) {
    for (const p of queue) say(`would ${p.status.kind === 'resume' ? `resume ${p.cell.id} from step ${p.status.step}` : `start ${p.cell.id}`}`);
    return summary;
  }
  makeFolder(join(out, 'configs'));
  const commit = currentCommit(process.cwd()) ?? 'unknown';
  const runOne = async (p: (typeof queue)[number]): Promise<void> => {
    const { cell, paths, hash } = p;
    const resuming = p.status.kind === 'resume';
    if (!resuming && existsSync(paths.dir)) rmSync(paths.dir, { recursive: true, force: true });
    makeFolder(paths.dir);
    // The config holds the cell's settings only; its folder goes on the command line, so no machine path is recorded.
    await writeFileAtomic(paths.config, `${JSON.stringify(cell.settings, null, 2)}\n`, { what: 'cell config' });
    writeLock(paths, process.pid);
    const argv = ['train', '--config', paths.config, '--out', paths.dir, '--no-progress', ...(resuming ? ['--resume', paths.dir] : [])];
    say(`${resuming ? `resume ${cell.id} from step ${(p.status as { step: number }).step}` : `start ${cell.id}`}`);
    const started = Date.now();
    let code: number;
    try {
      code = await options.launcher(argv, paths, (pid) => writeLock(paths, pid));
    } catch (error) {
      say(`failed ${cell.id}: ${(error as Error).message}`);
      code = 1;
    }
    try {
      if (code !== 0) {
        summary.failed.push({ id: cell.id, code });
        const why = lastErrorLine(paths.log);
        say(`failed ${cell.id} (exit ${code})${why === undefined ? '' : `: ${why}`}; see ${paths.log}`);
        return;
      }
      const steps = Number(cell.settings.steps);
      const segments = readRunRecord(paths.dir)?.segments;
      const result = cellResultFrom(cell, readMetricsLog(join(paths.dir, 'metrics.jsonl')), { settingsHash: hash, commit, steps, segments });
      await writeFileAtomic(paths.result, `${JSON.stringify(result, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`, { what: 'cell result' });
      if (grid.keepCheckpoints === 'none') rmSync(checkpointDir(paths.dir), { recursive: true, force: true });
      summary.finished.push(cell.id);
      say(`finished ${cell.id} in ${((Date.now() - started) / 1000).toFixed(0)} s: test top-1 EMA ${(100 * result.test.ema.top1).toFixed(2)}%`);
      await writeSweepResults(grid, out);
    } finally {
      rmSync(paths.lock, { force: true });
    }
  };
  let next = 0;
  const workers = Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    while (next < queue.length) await runOne(queue[next++]);
  });
  await Promise.all(workers);
  await writeSweepResults(grid, out);
  return summary;
}

/**
 * Trains each cell in a child process running this same CLI (`node [execArgv] <entry> train …`), its output
 * appended to the cell's train.log. Isolates cells (memory, backend state, a crash) and lets two run at once.
 */
export function childProcessLauncher(entry: string = process.argv[1], nodeArgs: readonly string[] = process.execArgv): CellLauncher {
  return (argv, paths, onStart) => new Promise((resolvePromise, reject) => {
    const fd = openSync(paths.log, 'a');
    const child = spawn(process.execPath, [...nodeArgs, entry, ...argv], { stdio: ['ignore', fd, fd], env: process.env });
    closeSync(fd);
    if (child.pid !== undefined) onStart(child.pid);
    child.on('error', reject);
    // A signal gives the shell's convention, 128 + its number (SIGKILL: 137).
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  });
}
