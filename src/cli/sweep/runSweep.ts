import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { makeFolder, writeFileAtomic } from '../../util/atomicWrite';
import { checkpointDir } from '../checkpointFiles';
import { readMetricsLog } from '../metricsLog';
import { readRunRecord } from '../runRecord';
import { STOP_EXIT_CODES, type StopRequest, type StopSignal } from '../stopSignals';
import { cellResultFrom, currentCommit } from './cellResult';
import { DEFAULT_STALE_SECONDS, describeHolder, heartbeatSeconds, tryAcquireLock, type CellLock } from './cellLock';
import { cellPaths, cellStatus, finishedStatus, lastErrorLine, progressStatus, settingsHash, type CellPaths, type CellStatus } from './sweepCells';
import { runOrder, type SweepGrid } from './sweepGrid';
import { writeSweepResults } from './sweepResults';

/**
 * Runs one `tear-ssl train` invocation for a cell (argv without the program name) and resolves to its exit
 * code. `onStart(pid)` names the process that trains, for the cell's lock and for passing on signals.
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
  /**
   * Run only the cell at this position of the grid's run order (`runOrder`: an array job's task): skipped if finished;
   * while another process holds it, waited for (until it finishes it, or its lock goes stale and is taken over).
   */
  cellIndex?: number;
  /** Seconds without a heartbeat after which a cell's lock is stale and may be taken over (default 300). */
  staleSeconds?: number;
  /** The scheduler's name for this process, recorded in the locks (default: Slurm's job and task from the environment). */
  job?: string;
  /** Stop signals: each is passed to the running cells (which checkpoint and exit); no further cell starts. */
  stop?: StopRequest;
  /** Rewrite the results files after each finished cell (default true). */
  writeResults?: boolean;
}

/** What {@link runSweep} found and did: the plan (each cell's status), finished, failed and refused cells. */
export interface SweepSummary {
  out: string;
  plan: Array<{ id: string; status: CellStatus }>;
  finished: string[];
  failed: Array<{ id: string; code: number }>;
  /** Cells whose result.json belongs to other settings: refused, never overwritten. */
  refused: string[];
  /** Cells held by another live process when this one came to them (left alone). */
  busy: string[];
  /** Cells stopped by a stop signal: their process wrote a checkpoint; the next call resumes them. */
  interrupted: string[];
  /** The stop signal that ended this call early, if one came. */
  stopped?: StopSignal;
}

/** The scheduler's name for this process: Slurm's `<array job>_<task>` or job id, or a Kubernetes Indexed Job's pod. */
export function schedulerJob(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  if (env.SLURM_JOB_ID) return env.SLURM_JOB_ID;
  if (env.JOB_COMPLETION_INDEX !== undefined && env.HOSTNAME) return env.HOSTNAME;
  return undefined;
}

/**
 * Runs what is missing of a sweep: finished cells (result.json for the same settings) are skipped,
 * interrupted ones resume from their newest checkpoint, the rest start. A cell is claimed by its lock
 * (cellLock.ts: atomic, with host, pid and a heartbeat), so any number of sweeps, on any hosts sharing the
 * folder, can run the same grid: a held cell is left alone, a cell whose holder stopped beating is taken
 * over and resumed. After each finished cell the results files are rewritten, so a sweep stopped at any
 * moment keeps every finished cell and loses at most the steps since a cell's last checkpoint.
 */
export async function runSweep(grid: SweepGrid, options: SweepOptions): Promise<SweepSummary> {
  const out = resolve(options.out ?? dirname(grid.file));
  const say = options.say ?? (() => {});
  const parallel = options.parallel ?? 1;
  const staleSeconds = options.staleSeconds ?? DEFAULT_STALE_SECONDS;
  const job = options.job ?? schedulerJob();
  const writeResults = options.writeResults ?? true;
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`tear-ssl sweep: parallel must be a positive integer, got ${parallel}`);
  if (!(staleSeconds > 0)) throw new Error(`tear-ssl sweep: staleSeconds must be positive, got ${staleSeconds}`);
  const order = runOrder(grid);
  if (options.cellIndex !== undefined && !(Number.isInteger(options.cellIndex) && options.cellIndex >= 0 && options.cellIndex < order.length)) {
    throw new Error(`tear-ssl sweep: cell index ${options.cellIndex} is out of range: ${grid.file} has ${order.length} cells (0 to ${order.length - 1})`);
  }
  const chosen = options.cellIndex === undefined ? order : [order[options.cellIndex]];
  const plan = chosen.map((cell) => {
    const paths = cellPaths(out, cell);
    const hash = settingsHash(cell.settings);
    return { cell, paths, hash, status: cellStatus(paths, hash, staleSeconds) };
  });
  const summary: SweepSummary = {
    out, plan: plan.map((p) => ({ id: p.cell.id, status: p.status })), finished: [], failed: [], refused: [], busy: [], interrupted: [],
  };
  const counts = new Map<string, number>();
  for (const p of plan) counts.set(p.status.kind, (counts.get(p.status.kind) ?? 0) + 1);
  const which = options.cellIndex === undefined ? `${plan.length} cells` : `cell ${options.cellIndex} of ${order.length}, ${plan[0].cell.id}`;
  say(`sweep ${grid.name}: ${which} (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}) in ${out}`);
  const waitForHolder = options.cellIndex !== undefined;
  for (const p of plan) {
    if (p.status.kind === 'changed') {
      summary.refused.push(p.cell.id);
      say(`refused ${p.cell.id}: ${p.status.why}; move the cell folder away to rerun it`);
    } else if (p.status.kind === 'running' && !waitForHolder) {
      summary.busy.push(p.cell.id);
      say(`skipped ${p.cell.id}: held by ${p.status.holder}`);
    }
  }
  const runnable = (s: CellStatus): boolean => s.kind === 'new' || s.kind === 'resume' || (s.kind === 'running' && waitForHolder);
  const queue = plan.filter((p) => runnable(p.status)).slice(0, options.maxCells ?? Infinity);
  if (options.dryRun) {
    for (const p of queue) {
      const s = p.status;
      say(`would ${s.kind === 'resume' ? `resume ${p.cell.id} from step ${s.step}` : s.kind === 'running' ? `wait for ${p.cell.id} (held by ${s.holder})` : `start ${p.cell.id}`}`);
    }
    return summary;
  }
  makeFolder(join(out, 'configs'));
  const commit = currentCommit(process.cwd()) ?? 'unknown';
  const stop = options.stop;
  /** Processes training cells now: each stop signal is passed on to them. */
  const running = new Set<number>();
  const unsubscribe = stop?.onSignal((signal) => {
    for (const pid of running) {
      try {
        process.kill(pid, signal);
      } catch { /* already gone */ }
    }
  });

  /** Waits `ms` or until a stop signal, whichever comes first. */
  const pause = (ms: number): Promise<void> => new Promise((done) => {
    let off: (() => void) | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      off?.();
      done();
    };
    const timer = setTimeout(finish, ms);
    off = stop?.onSignal(finish);
  });

  /** The cell's lock, or undefined when it is held (skipped; or, for --cell-index, finished by its holder meanwhile) or a stop came. */
  const claim = async (p: (typeof queue)[number]): Promise<CellLock | undefined> => {
    let announced = false;
    for (;;) {
      makeFolder(p.paths.dir);
      const got = tryAcquireLock(p.paths.lock, { staleSeconds, job });
      if ('lock' in got) return got.lock;
      const holder = got.busy.kind === 'held' ? describeHolder(got.busy) : 'another process';
      if (!waitForHolder) {
        summary.busy.push(p.cell.id);
        say(`skipped ${p.cell.id}: held by ${holder}`);
        return undefined;
      }
      if (finishedStatus(p.paths, p.hash) !== undefined) return undefined;
      if (!announced) say(`waiting for ${p.cell.id}: held by ${holder}; taken over if it sends no heartbeat for ${staleSeconds} s`);
      announced = true;
      await pause(Math.min(5, heartbeatSeconds(staleSeconds)) * 1000);
      if (stop?.signal !== undefined) return undefined;
    }
  };

  const runOne = async (p: (typeof queue)[number]): Promise<void> => {
    if (stop?.signal !== undefined) return;
    const { cell, paths, hash } = p;
    const lock = await claim(p);
    if (lock === undefined) {
      const now = finishedStatus(paths, hash);
      if (now?.kind === 'done') say(`skipped ${cell.id}: finished by another process`);
      return;
    }
    let child: number | undefined;
    let lost: string | undefined;
    try {
      // Under the lock, look again: since the plan, another process may have finished the cell or got further.
      const finished = finishedStatus(paths, hash);
      if (finished !== undefined) {
        if (finished.kind === 'changed') summary.refused.push(cell.id);
        say(finished.kind === 'done' ? `skipped ${cell.id}: finished by another process` : `refused ${cell.id}: ${finished.why}`);
        return;
      }
      if (lock.tookOver !== undefined) say(`took over ${cell.id}: ${lock.tookOver}`);
      const status = progressStatus(paths);
      const resuming = status.kind === 'resume';
      // A fresh start clears what an interrupted start left (no checkpoint: nothing to keep), but not the lock.
      if (!resuming) for (const name of readdirSync(paths.dir)) if (!name.startsWith(basename(paths.lock))) rmSync(join(paths.dir, name), { recursive: true, force: true });
      // The config holds the cell's settings only; its folder goes on the command line, so no machine path is recorded.
      await writeFileAtomic(paths.config, `${JSON.stringify(cell.settings, null, 2)}\n`, { what: 'cell config' });
      const argv = ['train', '--config', paths.config, '--out', paths.dir, '--no-progress', ...(resuming ? ['--resume', paths.dir] : [])];
      say(`${resuming ? `resume ${cell.id} from step ${status.step}` : `start ${cell.id}`}`);
      lock.keepAlive(staleSeconds, (why) => {
        lost = why;
        say(`lost the lock of ${cell.id}: ${why}; stopping its process`);
        if (child !== undefined && child !== process.pid) {
          try {
            process.kill(child, 'SIGKILL');
          } catch { /* already gone */ }
        }
      });
      const started = Date.now();
      let code: number;
      try {
        code = await options.launcher(argv, paths, (pid) => {
          child = pid;
          lock.setChild(pid);
          if (pid === process.pid) return;
          running.add(pid);
          // a signal that came while the process started
          if (stop?.signal !== undefined) process.kill(pid, stop.signal);
        });
      } catch (error) {
        say(`failed ${cell.id}: ${(error as Error).message}`);
        code = 1;
      } finally {
        if (child !== undefined) running.delete(child);
      }
      if (lost !== undefined || !lock.beat()) {
        summary.failed.push({ id: cell.id, code: code === 0 ? 1 : code });
        say(`failed ${cell.id}: its lock was taken over (${lost ?? 'it is no longer this process\'s'}); its result is left to the new holder`);
        return;
      }
      if (code !== 0) {
        if (stop?.signal !== undefined && Object.values(STOP_EXIT_CODES).includes(code)) {
          summary.interrupted.push(cell.id);
          say(`stopped ${cell.id} (exit ${code}): its newest checkpoint is kept; see ${paths.log}`);
        } else {
          summary.failed.push({ id: cell.id, code });
          const why = lastErrorLine(paths.log);
          say(`failed ${cell.id} (exit ${code})${why === undefined ? '' : `: ${why}`}; see ${paths.log}`);
        }
        return;
      }
      const steps = Number(cell.settings.steps);
      const segments = readRunRecord(paths.dir)?.segments;
      const result = cellResultFrom(cell, readMetricsLog(join(paths.dir, 'metrics.jsonl')), { settingsHash: hash, commit, steps, segments });
      await writeFileAtomic(paths.result, `${JSON.stringify(result, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`, { what: 'cell result' });
      if (grid.keepCheckpoints === 'none') rmSync(checkpointDir(paths.dir), { recursive: true, force: true });
      summary.finished.push(cell.id);
      say(`finished ${cell.id} in ${((Date.now() - started) / 1000).toFixed(0)} s: test top-1 EMA ${(100 * result.test.ema.top1).toFixed(2)}%`);
      if (writeResults) await writeSweepResults(grid, out);
    } finally {
      lock.release();
    }
  };
  let next = 0;
  const workers = Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    while (next < queue.length && stop?.signal === undefined) await runOne(queue[next++]);
  });
  try {
    await Promise.all(workers);
  } finally {
    unsubscribe?.();
  }
  if (stop?.signal !== undefined) summary.stopped = stop.signal;
  if (writeResults) await writeSweepResults(grid, out);
  return summary;
}

/**
 * Trains each cell in a child process running this same CLI (`node [execArgv] <entry> train …`), its output
 * appended to the cell's train.log. Isolates cells (memory, backend state, a crash) and lets two run at once.
 * The child runs in its own process group, so a Ctrl-C in the terminal reaches the sweep only, which
 * passes it on once; and it stops by itself (with a checkpoint) if the sweep dies (TEAR_SSL_PARENT_PID).
 */
export function childProcessLauncher(entry: string = process.argv[1], nodeArgs: readonly string[] = process.execArgv): CellLauncher {
  return (argv, paths, onStart) => new Promise((resolvePromise, reject) => {
    const fd = openSync(paths.log, 'a');
    const child = spawn(process.execPath, [...nodeArgs, entry, ...argv], {
      stdio: ['ignore', fd, fd], env: { ...process.env, TEAR_SSL_PARENT_PID: String(process.pid) }, detached: true,
    });
    closeSync(fd);
    if (child.pid !== undefined) onStart(child.pid);
    child.on('error', reject);
    // A signal gives the shell's convention, 128 + its number (SIGKILL: 137).
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  });
}
