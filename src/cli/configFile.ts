import { readFileSync } from 'node:fs';
import { CliUsageError } from './cliError';
import { TRAIN_OPTIONS, optionSpec, parseOptionValue, type TrainSettings } from './trainOptions';

/** Keys a config file may not set (they only make sense on the command line). */
const FLAG_ONLY = new Set(['config']);

/**
 * Reads a JSON config file for `tear-ssl train`: an object whose keys are the camelCase option names
 * (`{"dataset": "digits", "batchSize": 32, "emaWarmup": true}`). Every key is checked: unknown keys and
 * wrongly typed values are CliUsageErrors naming the key and the file.
 */
export function readConfigFile(file: string): Partial<TrainSettings> {
  return parseConfigObject(readJsonFile(file, 'config file'), file);
}

/** Reads and parses a JSON file; a missing or malformed file is a CliUsageError naming `what` and the file. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliUsageError(`${what} ${file} cannot be read: ${(error as Error).message.split('\n')[0]}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliUsageError(`${what} ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Checks an already parsed config object; `file` names it in messages. */
export function parseConfigObject(parsed: unknown, file: string): Partial<TrainSettings> {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliUsageError(`config file ${file} must hold a JSON object of options, e.g. {"dataset": "digits", "steps": 500}`);
  }
  const settings: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(parsed)) {
    const spec = optionSpec(key);
    if (spec === undefined || FLAG_ONLY.has(key)) {
      throw new CliUsageError(`config file ${file}: unknown key '${key}'${suggestion(key)}`);
    }
    settings[key] = parseOptionValue(spec, raw, { kind: 'config', file });
  }
  return settings as Partial<TrainSettings>;
}

/** " (did you mean 'batchSize'?)" for a flag spelling or a near miss, else the list of keys. */
function suggestion(key: string): string {
  const camel = key.replace(/[-_]+([a-z])/g, (_, c: string) => c.toUpperCase());
  const exact = TRAIN_OPTIONS.find((o) => o.key === camel || o.key.toLowerCase() === key.toLowerCase());
  if (exact) return ` (did you mean '${exact.key}'?)`;
  const close = TRAIN_OPTIONS.map((o) => ({ key: o.key, d: editDistance(o.key.toLowerCase(), key.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  if (close && close.d <= 2) return ` (did you mean '${close.key}'?)`;
  return `; known keys: ${TRAIN_OPTIONS.map((o) => o.key).filter((k) => !FLAG_ONLY.has(k)).join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
