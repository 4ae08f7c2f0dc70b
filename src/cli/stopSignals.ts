import type { CliIo } from './io';

/** The signals that ask a run to stop cleanly: Ctrl-C, and what `kill`, Slurm and Kubernetes send. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The shell's convention for a process ended by a signal, 128 + its number: 130 for SIGINT, 143 for SIGTERM. */
export const STOP_EXIT_CODES: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** A request to stop, as the train and sweep commands see it. */
export interface StopRequest {
  /** The first stop signal received, or undefined while none has come. */
  readonly signal: StopSignal | undefined;
  /**
   * Calls `fn` for every stop signal from now on (the sweep passes each one to its cells), and at once
   * when one has already come. Returns a function that removes `fn`.
   */
  onSignal(fn: (signal: StopSignal) => void): () => void;
}

/** The process-like object {@link stopOnSignals} listens on (a test may pass an EventEmitter). */
export interface SignalSource {
  on(signal: StopSignal, fn: () => void): unknown;
  off(signal: StopSignal, fn: () => void): unknown;
  readonly ppid?: number;
}

/** Options of {@link stopOnSignals}. */
export interface StopOnSignalsOptions {
  /** What the command does on the first signal, for the message (e.g. "finishing this step, then a checkpoint"). */
  what: string;
  /** Exits the process (default `process.exit`). */
  exit?: (code: number) => void;
  /** Where the signals come from (default `process`). */
  source?: SignalSource;
  /**
   * Stop as on SIGTERM when this process's parent is no longer `parentPid` (the sweep that started a cell
   * died, even by `kill -9`): a cell never goes on training unwatched, so that a sweep on another host
   * taking the cell over once its lock goes stale is its only writer. Checked every second.
   */
  parentPid?: number;
}

/**
 * Listens for SIGINT and SIGTERM. The first one sets {@link StopRequest.signal}, says so on stderr and
 * calls the `onSignal` functions: the command then finishes what it is doing, writes a checkpoint and
 * exits with {@link STOP_EXIT_CODES}. A SIGINT after that exits at once (code 130) without waiting: the
 * newest checkpoint on disk stays intact because every checkpoint is written atomically. More SIGTERMs
 * only repeat the request (a scheduler may send one to every process of a job, and the sweep passes
 * its own on too). `dispose()` removes the listeners.
 */
export function stopOnSignals(io: CliIo, options: StopOnSignalsOptions): StopRequest & { dispose(): void } {
  const source = options.source ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const listeners = new Set<(signal: StopSignal) => void>();
  let first: StopSignal | undefined;
  const receive = (signal: StopSignal, why: string = signal): void => {
    const again = first !== undefined;
    if (!again) {
      first = signal;
      io.err(`tear-ssl: ${why}: ${options.what}; press Ctrl-C again to exit at once`);
    }
    for (const fn of [...listeners]) fn(signal);
    if (again && signal === 'SIGINT') {
      io.err('tear-ssl: second interrupt: exiting at once (the newest checkpoint on disk is intact)');
      exit(STOP_EXIT_CODES.SIGINT);
    }
  };
  const onInt = (): void => receive('SIGINT');
  const onTerm = (): void => receive('SIGTERM');
  source.on('SIGINT', onInt);
  source.on('SIGTERM', onTerm);
  let watch: NodeJS.Timeout | undefined;
  if (options.parentPid !== undefined) {
    const parent = options.parentPid;
    watch = setInterval(() => {
      const ppid = source.ppid ?? process.ppid;
      if (ppid !== parent && first === undefined) receive('SIGTERM', `the sweep that started this run (pid ${parent}) has exited`);
    }, 1000);
    watch.unref();
  }
  return {
    get signal() {
      return first;
    },
    onSignal(fn) {
      listeners.add(fn);
      if (first !== undefined) fn(first);
      return () => listeners.delete(fn);
    },
    dispose() {
      source.off('SIGINT', onInt);
      source.off('SIGTERM', onTerm);
      if (watch !== undefined) clearInterval(watch);
      listeners.clear();
    },
  };
}

/** `path` quoted for a POSIX shell when it needs it (for the resume commands printed to the user). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
