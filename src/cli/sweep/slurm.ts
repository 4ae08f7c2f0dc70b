import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { CliUsageError } from '../cliError';
import { shellQuote } from '../stopSignals';

/** The `#SBATCH` settings of a sweep's array job, from `tear-ssl sweep --slurm` flags. */
export interface SlurmSettings {
  partition?: string;
  cpusPerTask?: number;
  /** Memory per node, as sbatch takes it: `16G`, `8000M`. */
  mem?: string;
  /** Time limit per task, as sbatch takes it: `90`, `2:00:00`, `1-12:00:00`. */
  time?: string;
  /** Generic resources, e.g. `gpu:1`. */
  gres?: string;
  /** More `#SBATCH` options, e.g. `--account=lab` or `qos=short` (the leading `--` is optional). */
  extra?: string[];
}

/** What {@link slurmArrayScript} writes into the script. */
export interface SlurmScriptInput {
  /** The sweep file (absolute). */
  gridFile: string;
  /** The sweep's output folder (absolute). */
  out: string;
  /** Positions in the grid's run order of the cells to run: one array task each. */
  indices: readonly number[];
  /** Cells in the grid, for the comment. */
  total: number;
  /** The command that runs tear-ssl on the compute nodes (e.g. `[node, /path/to/dist/cli.js]`), absolute paths. */
  cli: readonly string[];
  /** The folder the tasks run in. */
  cwd: string;
  /** The grid's hash (gridHash): the tasks refuse a grid changed since. */
  gridHash: string;
  /** Per-task logs go here (`%A_%a.log`: array job and task ids). */
  logDir: string;
  settings: SlurmSettings;
  /** `--lock-stale-after` to pass on, when not the default. */
  staleSeconds?: number;
}

/** `[0,1,2,5,7,8]` → `0-2,5,7-8`: sbatch's --array list. */
export function arrayRanges(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Checks the flags' values before they go into `#SBATCH` lines (a newline would smuggle a line in; a
 * malformed time or memory would only fail at submission): a CliUsageError names the flag.
 */
export function checkSlurmSettings(s: SlurmSettings): SlurmSettings {
  const oneWord = (flag: string, v: string | undefined): void => {
    if (v !== undefined && !/^[^\s'"\\]+$/.test(v)) throw new CliUsageError(`option ${flag} must be one word without spaces or quotes, got '${v}'`);
  };
  oneWord('--partition', s.partition);
  oneWord('--gres', s.gres);
  if (s.mem !== undefined && !/^\d+[KMGT]?$/i.test(s.mem)) throw new CliUsageError(`option --mem must be a size as sbatch takes it (e.g. 16G, 8000M), got '${s.mem}'`);
  if (s.time !== undefined && !/^(\d+-)?\d+(:\d+){0,2}$/.test(s.time)) {
    throw new CliUsageError(`option --time must be a time limit as sbatch takes it (minutes, H:MM:SS or D-HH:MM:SS), got '${s.time}'`);
  }
  if (s.cpusPerTask !== undefined && !(Number.isInteger(s.cpusPerTask) && s.cpusPerTask > 0)) {
    throw new CliUsageError(`option --cpus-per-task must be a positive integer, got '${s.cpusPerTask}'`);
  }
  const extra = (s.extra ?? []).map((line) => {
    let option = line.trim().replace(/^#SBATCH\s+/, '');
    if (!option.startsWith('-')) option = `--${option}`;
    if (/[\n\r]/.test(line) || !/^-{1,2}[A-Za-z][\w-]*([= ].*)?$/.test(option)) {
      throw new CliUsageError(`option --sbatch must be one sbatch option such as '--account=lab', got '${line}'`);
    }
    return option;
  });
  return { ...s, extra };
}

/** The sbatch script of a sweep's array job: one task per cell index, each `tear-ssl sweep GRID --cell-index env`. */
export function slurmArrayScript(input: SlurmScriptInput, date = new Date()): string {
  const s = checkSlurmSettings(input.settings);
  const name = basename(input.gridFile).replace(/\.json$/, '').replace(/[^A-Za-z0-9_.-]+/g, '_');
  const render = `${input.cli.map(shellQuote).join(' ')} sweep ${shellQuote(input.gridFile)} --out ${shellQuote(input.out)} --render-only`;
  const lines = [
    '#!/bin/bash',
    `# Written by tear-ssl sweep --slurm on ${date.toISOString()}: one array task per unfinished cell of`,
    `# ${input.gridFile} (${input.indices.length} of ${input.total}). Task i trains cell i of the grid's run order`,
    '# (tear-ssl sweep GRID --cell-index i): it skips a finished cell, resumes an interrupted one from its',
    '# newest checkpoint, and on SIGTERM (scancel, preemption, requeue, the time limit) finishes its step and',
    '# writes a checkpoint, so a requeued task goes on where it stopped. The results table afterwards:',
    `#   ${render}`,
    `#SBATCH --job-name=tear-ssl-${name}`,
    `#SBATCH --array=${arrayRanges(input.indices)}`,
    `#SBATCH --output=${input.logDir}/%A_%a.log`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    ...(s.partition ? [`#SBATCH --partition=${s.partition}`] : []),
    ...(s.cpusPerTask ? [`#SBATCH --cpus-per-task=${s.cpusPerTask}`] : []),
    ...(s.mem ? [`#SBATCH --mem=${s.mem}`] : []),
    ...(s.time ? [`#SBATCH --time=${s.time}`] : []),
    ...(s.gres ? [`#SBATCH --gres=${s.gres}`] : []),
    ...(s.extra ?? []).map((o) => `#SBATCH ${o}`),
    'set -eu',
    `cd ${shellQuote(input.cwd)}`,
    'echo "tear-ssl: task ${SLURM_ARRAY_TASK_ID} of job ${SLURM_ARRAY_JOB_ID} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}, $(date -Is)"',
    // exec: the sweep is the task's process, so it gets Slurm's signals itself and passes them to its cell.
    `exec ${input.cli.map(shellQuote).join(' ')} sweep ${shellQuote(input.gridFile)} --out ${shellQuote(input.out)} --cell-index env --grid-hash ${input.gridHash}` +
      `${input.staleSeconds === undefined ? '' : ` --lock-stale-after ${input.staleSeconds}`}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs a Slurm command; a missing command or a failure is an error naming it and quoting its stderr. */
function slurmCommand(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; status?: number };
    if (err.code === 'ENOENT') throw new CliUsageError(`${command} is not on PATH: run this on a Slurm login node (or install Slurm's client commands)`);
    throw new SlurmCommandError(`${command} ${args.join(' ')} failed (exit ${err.status ?? '?'}): ${(err.stderr ?? err.message).trim()}`);
  }
}

/** A Slurm command (sbatch, squeue) failed: the message quotes the command and its stderr. */
export class SlurmCommandError extends Error {
  override name = 'SlurmCommandError';
}

/** `sbatch --parsable FILE`: the job id. */
export function submitSlurmScript(file: string): string {
  const out = slurmCommand('sbatch', ['--parsable', file]).trim();
  const id = out.split(';')[0];
  if (!/^\d+$/.test(id)) throw new SlurmCommandError(`sbatch --parsable ${file} printed '${out}', not a job id`);
  return id;
}

/** The states of a job's tasks still in the queue (`squeue -j ID`); empty once every task has ended. */
export function queuedTasks(jobId: string): Array<{ id: string; state: string }> {
  let text: string;
  try {
    text = slurmCommand('squeue', ['-h', '-j', jobId, '-o', '%i %T']);
  } catch (e) {
    // A job that has left slurmctld's memory altogether is "invalid": it has ended.
    if (e instanceof SlurmCommandError && /Invalid job id/i.test(e.message)) return [];
    throw e;
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => {
    const [id, state] = l.split(/\s+/);
    return { id, state };
  });
}

/**
 * Blocks until no task of `jobId` is queued or running (requeued tasks count as queued), saying each
 * change of the task states. `squeue` failing several times in a row is an error.
 */
export async function waitForSlurmJob(jobId: string, say: (line: string) => void, pollSeconds = 5): Promise<void> {
  let last = '';
  let failures = 0;
  for (;;) {
    let tasks: Array<{ id: string; state: string }>;
    try {
      tasks = queuedTasks(jobId);
      failures = 0;
    } catch (e) {
      if (!(e instanceof SlurmCommandError) || ++failures >= 5) throw e;
      await new Promise((r) => setTimeout(r, pollSeconds * 1000));
      continue;
    }
    if (tasks.length === 0) return;
    const counts = new Map<string, number>();
    for (const t of tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    const line = `job ${jobId}: ${[...counts].map(([state, n]) => `${n} ${state.toLowerCase()}`).join(', ')}`;
    if (line !== last) say(line);
    last = line;
    await new Promise((r) => setTimeout(r, pollSeconds * 1000));
  }
}
