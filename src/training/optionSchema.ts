import { check, checkNumber } from '../util/checks';
import type { TrainerConfig } from './configTypes';

/**
 * The option schema: every trainer config option is one `OptionEntry` (path, default, kind with its
 * bounds, help, CLI flag), written once next to the code that reads it. From the entries come the
 * defaults and checks of `resolveTrainerConfig`, the flags and config-file keys of `tear-ssl train`,
 * its `--help`, and the option tables of docs/trainer.md and docs/cli.md (docs/architecture.md,
 * "One option schema"). This module imports no component and no registry, so components may import it.
 */

/** An option's kind and bounds. A flag's text is converted to it; a config value must already be of it. */
export type OptionKind =
  | { type: 'int'; min: number; max?: number }
  /** A finite number in the interval; `nullable`: null is accepted too (e.g. `clipGradients: null`, no clipping). */
  | { type: 'number'; min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean; nullable?: boolean }
  /** One of `values`; `aliases` are accepted too and stored as the value they name (`fixmatch+tear` → `tear`). */
  | { type: 'enum'; values: readonly (string | number)[]; aliases?: Readonly<Record<string, string>> }
  | { type: 'string' }
  | { type: 'boolean' }
  /** Integers ≥ min: a comma-separated flag ('6000,0,983') or a JSON array in a config file. */
  | { type: 'intList'; min: number }
  /** A class distribution (C entries > 0 summing to 1) or null: the config's `classPrior`. */
  | { type: 'distribution' };

/** A value an option may hold. */
export type OptionValue = number | string | boolean | null | readonly number[];

/** Where the CLI reads an option: `--<flag>`, and `key` in a config file of `tear-ssl train`. */
export interface OptionFlag {
  /** Long flag without dashes, e.g. 'ema-momentum'. */
  readonly flag: string;
  /** The config-file key (camelCase) and the TrainSettings field, e.g. 'emaMomentum'. */
  readonly key: string;
  /** Placeholder shown in --help (default: the upper-cased key). */
  readonly valueName?: string;
}

/** One trainer config option. */
export interface OptionEntry {
  /** Its dotted path in TrainerConfig, e.g. 'adapl.gamma'. */
  readonly path: string;
  /** The title of its group in the docs tables ('core', 'AdaPL (add-on)', 'FreeMatch', …). */
  readonly section: string;
  readonly kind: OptionKind;
  /** The default, or a function of the number of classes C; absent: the option is required (numClasses, totalSteps). */
  readonly default?: OptionValue | ((numClasses: number) => OptionValue);
  /** The default as the docs print it, when `default` is a function ('C'). */
  readonly defaultText?: string;
  /** One line for --help and the docs. */
  readonly help: string;
  /** The CLI flag and config-file key; absent: a trainer config option only. */
  readonly cli?: OptionFlag;
}

/** A config section a component owns, `config[key]`, declared as entries: its defaults, checks and typed accessor derive from them. */
export interface ConfigSection<T extends object = object> {
  readonly key: string;
  /** Its options, paths `<key>.<field>`. */
  readonly options: readonly OptionEntry[];
  /** The section's defaults for a problem with numClasses classes. */
  defaults(numClasses: number): T;
  /** Throws TearArgumentError naming the option (`option '<key>.<field>' …`). */
  check(section: T, fn: string): void;
  /** The section of a resolved config, typed (a config resolved by resolveTrainerConfig always holds it). */
  read(config: TrainerConfig): T;
}

/** An entry of defineSection: an OptionEntry without its path and section, which the section gives. */
export type SectionField = Omit<OptionEntry, 'path' | 'section'>;

/**
 * A component's config section from one entry per field: `fields` must name every field of T (a type
 * error otherwise), and `read(config)` is the typed accessor components use instead of a cast.
 */
export function defineSection<T extends object>(key: string, section: string, fields: { readonly [K in keyof T & string]: SectionField }): ConfigSection<T> {
  const options: OptionEntry[] = Object.entries(fields as Record<string, SectionField>).map(([field, entry]) => ({ ...entry, path: `${key}.${field}`, section }));
  return {
    key,
    options,
    defaults: (numClasses) => Object.fromEntries(options.map((o) => [o.path.slice(key.length + 1), defaultValue(o, numClasses)])) as T,
    check: (value, fn) => {
      for (const o of options) checkOption(o, (value as Record<string, unknown>)[o.path.slice(key.length + 1)], fn, numClassesUnknown);
    },
    read: (config) => (config as unknown as Record<string, T>)[key],
  };
}

const numClassesUnknown = 0;

/** The entry's default for C classes (required entries: undefined). */
export function defaultValue(entry: OptionEntry, numClasses: number): OptionValue | undefined {
  const d = entry.default;
  const value = typeof d === 'function' ? d(numClasses) : d;
  return Array.isArray(value) ? [...value] : value;
}

/** The value at a dotted path of an object (undefined where a step is missing). */
export function getPath(object: unknown, path: string): unknown {
  let node = object;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Sets the value at a dotted path, creating plain objects on the way. */
export function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = object;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node = (next !== null && typeof next === 'object' ? next : (node[part] = {})) as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

/** Whether `value` is a value of `kind` within its bounds (a config value, already of its type; an enum alias counts). */
export function acceptsValue(kind: OptionKind, value: unknown, numClasses?: number): boolean {
  switch (kind.type) {
    case 'boolean': return typeof value === 'boolean';
    case 'string': return typeof value === 'string' && value !== '';
    case 'enum': return kind.values.includes(value as string | number) || (typeof value === 'string' && kind.aliases?.[value] !== undefined);
    case 'intList': return Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= kind.min);
    case 'int': return typeof value === 'number' && Number.isInteger(value) && value >= kind.min && (kind.max === undefined || value <= kind.max);
    case 'number': {
      if (value === null) return kind.nullable === true;
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      const { min, max, minOpen, maxOpen } = kind;
      return !(min !== undefined && (minOpen ? value <= min : value < min)) && !(max !== undefined && (maxOpen ? value >= max : value > max));
    }
    case 'distribution': {
      if (value === null) return true;
      if (!Array.isArray(value) || (numClasses !== undefined && numClasses > 0 && value.length !== numClasses)) return false;
      if (!value.every((p) => typeof p === 'number' && Number.isFinite(p) && p > 0)) return false;
      return Math.abs((value as number[]).reduce((a, b) => a + b, 0) - 1) <= 1e-6;
    }
  }
}

/** The interval of a number kind as text: '(0, 1]', '[0, ∞)'. */
export function intervalText(kind: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean }): string {
  const lo = kind.min === undefined ? '(-∞' : `${kind.minOpen ? '(' : '['}${kind.min}`;
  const hi = kind.max === undefined ? '∞)' : `${kind.max}${kind.maxOpen ? ')' : ']'}`;
  return `${lo}, ${hi}`;
}

/** What a kind accepts, for the docs tables: 'number in (0, 1]', 'integer ≥ 1', '`kl`, `js`'. */
export function kindText(kind: OptionKind): string {
  switch (kind.type) {
    case 'boolean': return 'boolean';
    case 'string': return 'string';
    case 'enum': return kind.values.length > 12 ? 'a method name' : kind.values.map((v) => `\`${v}\``).join(', ');
    case 'intList': return `integers ≥ ${kind.min}`;
    case 'int': return kind.max === undefined ? `integer ≥ ${kind.min}` : `integer in [${kind.min}, ${kind.max}]`;
    case 'number': return `number in ${intervalText(kind)}${kind.nullable ? ', or null' : ''}`;
    case 'distribution': return '[C] probabilities, or null';
  }
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `array(${v.length})` : v !== null && typeof v === 'object' ? 'object' : String(v));

/**
 * Checks one config value against its entry; throws TearArgumentError naming the option and the bound
 * (`option 'threshold' must be > 0, got 0`). `numClasses` sizes a distribution (0: any length).
 */
export function checkOption(entry: OptionEntry, value: unknown, fn: string, numClasses: number): void {
  const name = entry.path;
  const kind = entry.kind;
  switch (kind.type) {
    case 'number':
      if (value === null && kind.nullable) return;
      checkNumber(value, name, fn, kind);
      return;
    case 'int':
      checkNumber(value, name, fn, { min: kind.min, max: kind.max, integer: true });
      return;
    case 'distribution': {
      if (value === null) return;
      check(Array.isArray(value) && (numClasses <= 0 || value.length === numClasses), fn, () =>
        `option '${name}' must be an array of ${numClasses} class probabilities, got ${Array.isArray(value) ? `${value.length} entries` : JSON.stringify(value)}`);
      value.forEach((p, i) => check(typeof p === 'number' && Number.isFinite(p) && p > 0, fn, () => `option '${name}[${i}]' must be a number > 0, got ${String(p)}`));
      const total = (value as number[]).reduce((a, b) => a + b, 0);
      check(Math.abs(total - 1) <= 1e-6, fn, () => `option '${name}' must sum to 1, sums to ${total}`);
      return;
    }
    default:
      check(acceptsValue(kind, value), fn, () => `option '${name}' must be ${kind.type === 'enum'
        ? `one of ${kind.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}`
        : kind.type === 'boolean' ? 'a boolean' : kindText(kind)}, got ${show(value)}`);
  }
}
