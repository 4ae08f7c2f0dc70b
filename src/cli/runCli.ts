import { Command, CommanderError, Option } from 'commander';
import { TearArgumentError } from '../util/checks';
import { packageVersion } from '../data/packageRoot';
import { CliUsageError, InterruptedError } from './cliError';
import { runDemoCommand } from './demoCommand';
import { runEvalCommand } from './evalCommand';
import { processIo, type CliIo } from './io';
import { stopOnSignals, type StopRequest } from './stopSignals';
import { DEFAULT_STALE_SECONDS } from './sweep/cellLock';
import { CELL_INDEX_VARIABLES, runSweepCommand, type SweepCommandOptions } from './sweep/sweepCommand';
import { trainFromFlags } from './trainCommand';
import { BACKEND_NAMES, DATASET_NAMES, TRAIN_OPTIONS, optionHelp, parseOptionValue, optionSpec, type BackendName, type DatasetName } from './trainOptions';

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /**
   * Handle SIGINT and SIGTERM (the `tear-ssl` bin does): `train` finishes its step, writes a checkpoint
   * and exits 130 or 143; `sweep` passes the signal to its cells. Off by default, so that a program
   * calling runCli keeps its own signal handling.
   */
  signals?: boolean;
}

/** Builds the `tear-ssl` commander program; each action stores its promise in `run`. */
function buildProgram(io: CliIo, run: { task?: Promise<void>; code?: number }, options: RunCliOptions): Command {
  /** Runs `task` with a stop listener for the command's lifetime (undefined without `options.signals`). */
  const withStop = <T>(what: string, task: (stop: StopRequest | undefined) => Promise<T>): Promise<T> => {
    if (!options.signals) return task(undefined);
    // A cell of a sweep stops when its sweep dies (see stopOnSignals' parentPid).
    const parent = Number(process.env.TEAR_SSL_PARENT_PID);
    const stop = stopOnSignals(io, { what, parentPid: Number.isInteger(parent) && parent > 0 ? parent : undefined });
    return task(stop).finally(() => stop.dispose());
  };
  const program = new Command('tear-ssl')
    .description('Semi-supervised image classification with TEAR (AdaPL, IPH) and FixMatch on TensorFlow.js')
    .version(packageVersion(), '-V, --version', 'print the tear-ssl version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showHelpAfterError('(run with --help for the options)')
    .allowExcessArguments(false);

  const train = program.command('train')
    .description('train a model (supervised, FixMatch, AdaPL, IPH or TEAR) and write metrics, checkpoints and a report')
    .option('--config <FILE>', 'JSON file of options (camelCase keys, e.g. {"batchSize": 32}); flags override it');
  for (const spec of TRAIN_OPTIONS) {
    if (spec.kind.type === 'boolean') {
      train.addOption(new Option(`--${spec.flag}`, spec.help));
      train.addOption(new Option(`--no-${spec.flag}`).hideHelp());
    } else {
      train.addOption(new Option(`--${spec.flag} <${spec.valueName ?? spec.key.toUpperCase()}>`, optionHelp(spec)));
    }
  }
  train.action((opts: Record<string, unknown>) => {
    run.task = withStop('finishing the current step, then writing a checkpoint',
      (stop) => trainFromFlags(opts, io, { stop })).then(() => undefined);
  });

  program.command('eval')
    .description('evaluate a checkpoint on the test (and validation) set of the run that wrote it')
    .requiredOption('--checkpoint <PATH>', 'a checkpoint folder, or a run folder (its latest checkpoint)')
    .option('--dataset <NAME>', `data set (default: the run's): ${DATASET_NAMES.join(', ')}`)
    .option('--data <DIR>', "data folder (default: the run's)")
    .option('--backend <NAME>', `tfjs backend: ${BACKEND_NAMES.join(', ')}`)
    .option('--batch-size <B>', 'evaluation batch size (default 256)')
    .option('--out <DIR>', 'also write the EMA model\'s confusion matrices as SVG plots into DIR (needs vega and vega-lite)')
    .action((opts: Record<string, unknown>) => {
      run.task = runEvalCommand({
        checkpoint: opts.checkpoint as string,
        dataset: opts.dataset === undefined ? undefined : flagValue('dataset', opts.dataset) as DatasetName,
        data: opts.data as string | undefined,
        backend: (opts.backend === undefined ? 'auto' : flagValue('backend', opts.backend)) as BackendName,
        batchSize: opts.batchSize === undefined ? 256 : flagValue('batchSize', opts.batchSize) as number,
        out: opts.out as string | undefined,
      }, io).then(() => undefined);
    });

  program.command('demo')
    .description('supervised vs FixMatch vs TEAR on the embedded digits data: a table of test accuracy (a few minutes on a CPU)')
    .option('--quick', 'a seconds-long smoke run (tiny steps; the numbers mean nothing)')
    .option('--backend <NAME>', `tfjs backend: ${BACKEND_NAMES.join(', ')} (default auto)`)
    .option('--seed <S>', 'random seed (default 0)')
    .option('--steps <K>', 'training steps per method (overrides the preset)')
    .option('--out <DIR>', 'also write each method\'s metrics, checkpoint and report under DIR')
    .action((opts: Record<string, unknown>) => {
      run.task = runDemoCommand({
        quick: opts.quick === true,
        backend: (opts.backend === undefined ? 'auto' : flagValue('backend', opts.backend)) as BackendName,
        seed: opts.seed === undefined ? 0 : flagValue('seed', opts.seed) as number,
        steps: opts.steps === undefined ? undefined : flagValue('steps', opts.steps) as number,
        out: opts.out as string | undefined,
      }, io).then(() => undefined);
    });
  program.command('sweep')
    .description('run a grid of train runs from a JSON file (only what is missing: finished cells are skipped, interrupted ones resumed) and write a results table and curves')
    .argument('<GRID>', 'sweep file (JSON): {"name", "base": {train options}, "grids": [{option: [values], …}]}')
    .option('--out <DIR>', "output folder (default: the sweep file's folder)")
    .option('--parallel <N>', 'cells trained at once, each in its own process (default 1)')
    .option('--max-cells <N>', 'start at most N cells, then stop (the rest wait for the next call)')
    .option('--dry-run', 'print what would run and stop')
    .option('--render-only', 'train nothing: rewrite results.jsonl, results.md and the curves from finished cells')
    .option('--doc <FILE>', 'also replace the sweep\'s generated block in this markdown file (e.g. docs/results.md)')
    .option('--cell-index <I>', `run only cell I of the grid's run order (0-based; skipped if finished, waited for while another process holds it); ` +
      `'env' reads I from ${CELL_INDEX_VARIABLES.join(' or ')} (array jobs)`)
    .option('--lock-stale-after <S>', `seconds without a heartbeat after which a cell's lock is taken over (default ${DEFAULT_STALE_SECONDS})`)
    .option('--slurm', 'write an sbatch array script, one task per unfinished cell, into <out>/slurm/ and print it')
    .option('--submit', 'with --slurm: submit it (sbatch)')
    .option('--wait', 'with --submit: wait until every task has ended, then write the results')
    .option('--partition <P>', 'with --slurm: #SBATCH --partition')
    .option('--cpus-per-task <N>', 'with --slurm: #SBATCH --cpus-per-task')
    .option('--mem <SIZE>', 'with --slurm: #SBATCH --mem (e.g. 8G)')
    .option('--time <LIMIT>', 'with --slurm: #SBATCH --time per task (e.g. 2:00:00)')
    .option('--gres <GRES>', 'with --slurm: #SBATCH --gres (e.g. gpu:1)')
    .option('--sbatch <OPTION>', "with --slurm: one more #SBATCH line, e.g. --sbatch account=lab (repeatable)", (v: string, all: string[] = []) => [...all, v])
    .addOption(new Option('--grid-hash <H>', 'with --cell-index: refuse unless the grid still has this hash (written by --slurm)').hideHelp())
    .action((gridFile: string, opts: Record<string, unknown>) => {
      run.task = withStop('passing it to the running cells: each finishes its step and writes a checkpoint', (stop) => runSweepCommand({
        grid: gridFile,
        out: opts.out as string | undefined,
        ...sweepModeOptions(opts),
        doc: opts.doc as string | undefined,
        stop,
      }, io)).then((code) => { run.code = code; });
    });
  return program;
}

/** Flags that only --slurm takes (commander's camelCase keys → the flag, for messages). */
const SLURM_FLAGS = { partition: '--partition', cpusPerTask: '--cpus-per-task', mem: '--mem', time: '--time', gres: '--gres', sbatch: '--sbatch', submit: '--submit' } as const;

/** The sweep's mode flags, checked together: which combinations make sense, and their values. */
function sweepModeOptions(opts: Record<string, unknown>): Omit<SweepCommandOptions, 'grid' | 'out' | 'doc' | 'stop'> {
  const given = (key: string): boolean => opts[key] !== undefined && opts[key] !== false;
  const refuse = (flag: string, why: string): never => {
    throw new CliUsageError(`option ${flag} ${why}`);
  };
  if (!given('slurm')) for (const [key, flag] of Object.entries(SLURM_FLAGS)) if (given(key)) refuse(flag, 'needs --slurm');
  if (given('wait') && !given('submit')) refuse('--wait', 'needs --submit (with --slurm)');
  if (given('slurm')) {
    for (const [key, flag] of [['parallel', '--parallel'], ['maxCells', '--max-cells'], ['cellIndex', '--cell-index'], ['dryRun', '--dry-run'], ['renderOnly', '--render-only']] as const) {
      if (given(key)) refuse(flag, 'cannot go with --slurm (the array job runs one cell per task; render afterwards with --render-only)');
    }
  }
  if (given('cellIndex')) {
    for (const [key, flag] of [['parallel', '--parallel'], ['maxCells', '--max-cells'], ['renderOnly', '--render-only']] as const) {
      if (given(key)) refuse(flag, 'cannot go with --cell-index (one cell)');
    }
  }
  if (given('gridHash') && !given('cellIndex')) refuse('--grid-hash', 'needs --cell-index');
  const raw = opts.cellIndex;
  const cellIndex = raw === undefined ? undefined : String(raw).trim() === 'env' ? 'env' as const
    : /^\d+$/.test(String(raw).trim()) ? Number(raw) : refuse('--cell-index', `must be a non-negative integer or 'env', got '${String(raw)}'`);
  let staleSeconds: number | undefined;
  if (opts.lockStaleAfter !== undefined) {
    staleSeconds = Number(opts.lockStaleAfter);
    if (!(Number.isFinite(staleSeconds) && staleSeconds > 0)) refuse('--lock-stale-after', `must be a positive number of seconds, got '${String(opts.lockStaleAfter)}'`);
  }
  return {
    parallel: opts.parallel === undefined ? 1 : positiveInt('--parallel', opts.parallel),
    maxCells: opts.maxCells === undefined ? undefined : positiveInt('--max-cells', opts.maxCells),
    dryRun: opts.dryRun === true,
    renderOnly: opts.renderOnly === true,
    cellIndex,
    gridHash: opts.gridHash as string | undefined,
    staleSeconds,
    slurm: !given('slurm') ? undefined : {
      partition: opts.partition as string | undefined,
      cpusPerTask: opts.cpusPerTask === undefined ? undefined : positiveInt('--cpus-per-task', opts.cpusPerTask),
      mem: opts.mem as string | undefined,
      time: opts.time as string | undefined,
      gres: opts.gres as string | undefined,
      extra: opts.sbatch as string[] | undefined,
      submit: opts.submit === true,
      wait: opts.wait === true,
    },
  };
}

function positiveInt(flag: string, raw: unknown): number {
  const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new CliUsageError(`option ${flag} must be a positive integer, got '${String(raw)}'`);
  return n;
}

function flagValue(key: string, raw: unknown): unknown {
  const spec = optionSpec(key);
  if (spec === undefined) throw new Error(`tear-ssl: internal: no option '${key}'`);
  return parseOptionValue(spec, raw, { kind: 'flag' });
}

/**
 * Runs the `tear-ssl` command line in this process. `argv` is the user's arguments only
 * (`['train', '--dataset', 'digits']`). Returns the exit code: 0 success, 1 failure, 2 usage error.
 * Usage errors print `tear-ssl: error: <message>` on `io.err`.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo(), options: RunCliOptions = {}): Promise<number> {
  const run: { task?: Promise<void>; code?: number } = {};
  const program = buildProgram(io, run, options);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
    await run.task;
    return run.code ?? 0;
  } catch (error) {
    return reportError(error, io);
  }
}

/** Errors that report a failure of the input, of the run or of the system (a full disk), with a message that says what and where (exit code 1). */
const KNOWN_FAILURES = new Set(['DataFormatError', 'CheckpointError', 'NonFiniteCheckpointError', 'DivergenceError', 'SlurmCommandError', 'WriteFailedError']);

function isKnownFailure(error: unknown): error is Error {
  return error instanceof Error && KNOWN_FAILURES.has(error.name);
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // commander printed its own message already; help and version are not failures
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2;
  }
  if (error instanceof InterruptedError) {
    io.err(`tear-ssl: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof CliUsageError) {
    io.err(`tear-ssl: error: ${error.message}`);
    return 2;
  }
  if (error instanceof TearArgumentError) {
    io.err(`tear-ssl: error: ${error.message}`);
    return 2;
  }
  if (isKnownFailure(error)) {
    // Bad data, a bad checkpoint, a diverged run, a full disk: the message names the file or the step; no stack trace.
    io.err(`tear-ssl: error: ${error.message.replace(/^tear-ssl: /, '')}`);
    return 1;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  io.err(`tear-ssl: internal error: ${e.name}: ${e.message}`);
  if (process.env.TEAR_SSL_DEBUG) io.err(e.stack ?? '');
  else io.err('(set TEAR_SSL_DEBUG=1 for the stack trace)');
  return 1;
}
