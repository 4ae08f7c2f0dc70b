import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError } from '../data/errors';
import { writeFileAtomic } from '../util/atomicWrite';
import { resolveRecordedSettings, type RunSegment } from './provenance';
import type { TrainSettings } from './trainOptions';

/**
 * What `tear-ssl train` records in `<out>/run.json` before its first step, and again when it ends.
 * Paths in `settings` are relative to the run folder (`out` is `.`), except system install paths
 * (see `recordPath`); {@link recordedRun} resolves them back.
 */
export interface RunRecord {
  command: 'train';
  settings: Partial<TrainSettings>;
  /** The backend of the newest segment (each segment keeps its own). */
  backend?: string;
  /** One line: sizes of each data part. */
  data?: string;
  /** SHA-256 of the prepared data (images, labels and the split); see `dataFingerprint`. */
  dataFingerprint?: string;
  /** One entry per process that trained this run, oldest first (a resume starts a new segment). */
  segments?: RunSegment[];
}

export const runRecordPath = (folder: string): string => join(folder, 'run.json');

/**
 * Reads `<folder>/run.json`, or undefined when there is none. An empty, truncated or malformed file is a
 * DataFormatError naming it (never a bare SyntaxError), so resume and eval say which file to fix.
 */
export function readRunRecord(folder: string): RunRecord | undefined {
  const file = runRecordPath(folder);
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataFormatError(file, `cannot read the run record (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (text.trim() === '') throw new DataFormatError(file, 'the run record is empty (the run was cut off while writing it?); delete it to go on without it');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DataFormatError(file, `the run record is not valid JSON (${(e as Error).message}); delete it to go on without it`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new DataFormatError(file, 'the run record must be a JSON object', { field: '(root)' });
  const record = json as Record<string, unknown>;
  const settings = record.settings;
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    throw new DataFormatError(file, 'the run record has no settings object', { field: 'settings' });
  }
  if (record.dataFingerprint !== undefined && typeof record.dataFingerprint !== 'string') {
    throw new DataFormatError(file, 'must be a string', { field: 'dataFingerprint' });
  }
  if (record.segments !== undefined && (!Array.isArray(record.segments)
    || record.segments.some((s) => s === null || typeof s !== 'object' || typeof (s as RunSegment).startStep !== 'number'))) {
    throw new DataFormatError(file, 'must be an array of segments, each with a numeric startStep', { field: 'segments' });
  }
  return json as RunRecord;
}

/** Writes `<folder>/run.json` atomically (a crash leaves the old record or the new one, never half of one). */
export async function writeRunRecord(folder: string, record: RunRecord): Promise<void> {
  await writeFileAtomic(runRecordPath(folder), `${JSON.stringify(record, null, 2)}\n`, { what: 'run record' });
}

/** What a checkpoint says about the run that wrote it: the CLI stores this as the payload's `metadata`. */
export interface CheckpointMetadata {
  settings?: Partial<TrainSettings>;
  dataFingerprint?: string;
}

/**
 * The settings and data fingerprint of the run that wrote a checkpoint: from the checkpoint's own
 * metadata when it has them (they belong to that very file), else from its run folder's run.json.
 * `source` names where they came from; everything is undefined for an old checkpoint without run.json.
 * A damaged run.json is an error (naming it) only when the checkpoint has no settings of its own;
 * otherwise it is not needed and `warning` says it was skipped.
 */
export function recordedRun(file: string, payload: unknown, runFolder: string | undefined): CheckpointMetadata & { source?: string; warning?: string } {
  const meta = (payload as { metadata?: CheckpointMetadata } | null)?.metadata;
  const own = meta !== null && typeof meta === 'object' && meta.settings !== null && typeof meta.settings === 'object' ? meta : undefined;
  let record: RunRecord | undefined;
  let warning: string | undefined;
  if (runFolder !== undefined) {
    try {
      record = readRunRecord(runFolder);
    } catch (e) {
      if (own === undefined) throw e;
      warning = `${(e as Error).message.replace(/^tear-ssl: /, '')} (not needed: ${file} holds the run's settings)`;
    }
  }
  // run.json stores paths relative to its folder; the checkpoint's own metadata holds them as given
  const settings = own?.settings ?? (record !== undefined && runFolder !== undefined ? resolveRecordedSettings(record.settings, runFolder) : undefined);
  const dataFingerprint = (typeof own?.dataFingerprint === 'string' ? own.dataFingerprint : undefined) ?? record?.dataFingerprint;
  const source = own !== undefined ? file : record !== undefined && runFolder !== undefined ? runRecordPath(runFolder) : undefined;
  return { settings: settings === undefined ? undefined : { ...settings }, dataFingerprint, source, warning };
}
