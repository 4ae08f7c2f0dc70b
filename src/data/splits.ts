import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomicWrite';
import { DataFormatError } from './errors';
import type { DataSplit } from './makeSplit';

/* Split files (Node only): JSON written atomically, read and checked. Making a split is pure: makeSplit.ts. */

export {
  makeSplit, stratifiedQuotas, SPLIT_ALLOCATIONS, type DataSplit, type MakeSplitOptions, type SplitAllocation,
} from './makeSplit';

/** The `format` field of a split file written by writeSplit. */
export const SPLIT_FORMAT = 'tear-ssl-split';
/** The `version` field of a split file; readSplit refuses other versions. */
export const SPLIT_FORMAT_VERSION = 1;

/** Writes a split as JSON (format 'tear-ssl-split', formatVersion 1; each index list on one line), atomically. */
export async function writeSplit(path: string, split: DataSplit): Promise<void> {
  const list = (xs: Int32Array) => JSON.stringify(Array.from(xs));
  const text = [
    '{',
    `  "format": ${JSON.stringify(SPLIT_FORMAT)},`,
    `  "formatVersion": ${SPLIT_FORMAT_VERSION},`,
    `  "dataset": ${JSON.stringify(split.dataset)},`,
    `  "seed": ${split.seed},`,
    `  "numClasses": ${split.numClasses},`,
    `  "labeled": ${list(split.labeled)},`,
    `  "validation": ${list(split.validation)},`,
    `  "unlabeled": ${list(split.unlabeled)}`,
    '}',
    '',
  ].join('\n');
  await writeFileAtomic(path, text, { what: 'split file' });
}

/**
 * Reads and validates a split file written by writeSplit. Errors name the file and the field at fault
 * (e.g. `labeled[3]`). With `numSamples`, every index must also be below it.
 */
export async function readSplit(path: string, options: { numSamples?: number } = {}): Promise<DataSplit> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new DataFormatError(path, `cannot read split file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DataFormatError(path, `not valid JSON (${(e as Error).message})`);
  }
  const fail = (field: string, message: string): never => { throw new DataFormatError(path, message, { field }); };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('(root)', 'a split file must hold a JSON object');
  const record = json as Record<string, unknown>;
  if (record.format !== SPLIT_FORMAT) fail('format', `must be '${SPLIT_FORMAT}', got ${JSON.stringify(record.format)}`);
  if (record.formatVersion !== SPLIT_FORMAT_VERSION) fail('formatVersion', `unsupported version ${JSON.stringify(record.formatVersion)}, expected ${SPLIT_FORMAT_VERSION}`);
  if (typeof record.dataset !== 'string') fail('dataset', `must be a string, got ${JSON.stringify(record.dataset)}`);
  if (!Number.isInteger(record.seed)) fail('seed', `must be an integer, got ${JSON.stringify(record.seed)}`);
  if (!Number.isInteger(record.numClasses) || (record.numClasses as number) < 1) fail('numClasses', `must be a positive integer, got ${JSON.stringify(record.numClasses)}`);
  const limit = options.numSamples ?? Number.MAX_SAFE_INTEGER;
  const seen = new Map<number, string>();
  const lists: Record<'labeled' | 'validation' | 'unlabeled', Int32Array> = { labeled: new Int32Array(0), validation: new Int32Array(0), unlabeled: new Int32Array(0) };
  for (const key of ['labeled', 'validation', 'unlabeled'] as const) {
    const value = record[key];
    if (!Array.isArray(value)) fail(key, `must be an array of sample indices, got ${typeof value}`);
    const xs = value as unknown[];
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i];
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= Math.min(limit, 2 ** 31)) {
        fail(`${key}[${i}]`, `must be a sample index in [0, ${options.numSamples ?? '2^31'}), got ${JSON.stringify(v)}`);
      }
      const previous = seen.get(v as number);
      if (previous !== undefined) fail(`${key}[${i}]`, `index ${v as number} also appears at ${previous}`);
      seen.set(v as number, `${key}[${i}]`);
    }
    lists[key] = Int32Array.from(xs as number[]);
  }
  return { dataset: record.dataset as string, seed: record.seed as number, numClasses: record.numClasses as number, ...lists };
}
