import * as tf from '@tensorflow/tfjs';
import type { CliResult } from '../helpers';

/**
 * How a corpus case ended:
 * - 'clear-error': refused with the expected exit code / error class, the message naming the file, field or argument;
 * - 'correct': accepted, and the result checked against what it must be;
 * - 'silent-wrong': accepted although it is bad, or accepted with a wrong result;
 * - 'raw-error': an unexpected error class (TypeError, RangeError, SyntaxError, a tfjs kernel message, "internal error");
 * - 'unclear-error': refused, but with another exit code or a message that does not name what is wrong;
 * - 'false-refusal': a good input refused.
 */
export type Outcome = 'clear-error' | 'correct' | 'silent-wrong' | 'raw-error' | 'unclear-error' | 'false-refusal';

export interface Verdict {
  outcome: Outcome;
  detail: string;
}

export interface Case {
  id: string;
  /** data | split | config | checkpoint | api */
  group: string;
  /** cli or api: the entry point the case goes through. */
  via: 'cli' | 'api';
  run: () => Promise<Verdict>;
}

/** Errors tear-ssl throws on purpose; anything else escaping is a raw error. */
export const KNOWN_ERRORS = ['TearArgumentError', 'DataFormatError', 'CheckpointError', 'NonFiniteCheckpointError', 'DivergenceError', 'CliUsageError'];

const firstErrorLine = (r: CliResult): string => r.stderr.find((l) => l.startsWith('tear-ssl') || l.startsWith('error: ')) ?? r.stderr[0] ?? '';

/** A CLI call that must fail with `code`, its first error line containing every string of `names`. */
export function judgeCliError(r: CliResult, code: 1 | 2, names: string[]): Verdict {
  const line = firstErrorLine(r);
  if (r.code === 0) return { outcome: 'silent-wrong', detail: `accepted (exit 0): ${r.stdout.slice(-2).join(' | ')}` };
  if (/internal error|\n\s+at .+:\d+:\d+/.test(r.text)) return { outcome: 'raw-error', detail: line };
  if (r.code !== code) return { outcome: 'unclear-error', detail: `exit ${r.code}, expected ${code}: ${line}` };
  const missing = names.filter((n) => !line.includes(n));
  // commander reports unknown or missing options itself, as "error: …"
  if (!(line.startsWith('tear-ssl: error: ') || line.startsWith('error: ')) || missing.length > 0) return { outcome: 'unclear-error', detail: `does not name ${missing.join(', ')}: ${line}` };
  return { outcome: 'clear-error', detail: line };
}

/** A CLI call that must succeed, `check` returning undefined when the output is right (or what is wrong). */
export function judgeCliOk(r: CliResult, check: (r: CliResult) => string | undefined): Verdict {
  if (r.code !== 0) return { outcome: /internal error/.test(r.text) ? 'raw-error' : 'false-refusal', detail: `exit ${r.code}: ${firstErrorLine(r)}` };
  const wrong = check(r);
  return wrong === undefined ? { outcome: 'correct', detail: 'exit 0, output checked' } : { outcome: 'silent-wrong', detail: wrong };
}

/** An API call that must throw one of tear-ssl's errors (`errorName`) whose message contains every string of `names`. */
export async function judgeApiError(fn: () => unknown, errorName: string | string[], names: string[]): Promise<Verdict> {
  let value: unknown;
  try {
    value = await fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const allowed = Array.isArray(errorName) ? errorName : [errorName];
    if (!KNOWN_ERRORS.includes(err.name)) return { outcome: 'raw-error', detail: `${err.name}: ${err.message}` };
    const missing = names.filter((n) => !err.message.includes(n));
    if (!allowed.includes(err.name) || missing.length > 0) {
      return { outcome: 'unclear-error', detail: `${err.name} (expected ${allowed.join('/')})${missing.length ? `, does not name ${missing.join(', ')}` : ''}: ${err.message}` };
    }
    return { outcome: 'clear-error', detail: err.message };
  }
  disposeAll(value);
  return { outcome: 'silent-wrong', detail: 'accepted' };
}

/** An API call that must succeed, `check` returning undefined when the result is right (or what is wrong). */
export async function judgeApiOk<T>(fn: () => T | Promise<T>, check: (value: T) => string | undefined): Promise<Verdict> {
  let value: T;
  try {
    value = await fn();
  } catch (e) {
    const err = e as Error;
    return { outcome: KNOWN_ERRORS.includes(err?.name) ? 'false-refusal' : 'raw-error', detail: `${err?.name}: ${err?.message}` };
  }
  try {
    const wrong = check(value);
    return wrong === undefined ? { outcome: 'correct', detail: 'result checked' } : { outcome: 'silent-wrong', detail: wrong };
  } finally {
    disposeAll(value);
  }
}

function disposeAll(v: unknown): void {
  if (v instanceof tf.Tensor) v.dispose();
  else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) Object.values(v).forEach(disposeAll);
}
