import { LONG_TAIL_PRESET_NAMES, type LongTailPresetName } from '../data/longTail';
import { ISIC2018_BUDGETS } from '../data/isicBudgets';
import type { AdaplEstimator } from '../math/estimators';
import type { IphReference } from '../math/iphLoss';
import type { EstimatorDistance } from '../math/lossEstimator';
import { TRAINING_METHODS, trainerOptions, type DaTarget, type ReferenceKind, type SupervisedLossKind } from '../training/config';
import type { MethodName } from '../training/algorithms/registry';
import { acceptsValue, intervalText, kindText, type OptionEntry, type OptionKind } from '../training/optionSchema';
import { CliUsageError } from './cliError';

export const DATASET_NAMES = ['digits', 'fashion-mnist', 'mnist', 'cifar10', 'isic2018'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
/** The trainer's methods, read from the algorithm registry (TRAINING_METHODS under the CLI's name). */
export const METHOD_NAMES: readonly MethodName[] = TRAINING_METHODS;
export type { MethodName };
export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** The labeled budgets the TEAR release ships split files for (ISIC 2018): ISIC2018_BUDGETS of the data loader. */
export const ISIC_BUDGETS = ISIC2018_BUDGETS;

/** Everything `tear-ssl train` needs, after defaults, config file and flags are merged and checked. */
export interface TrainSettings {
  dataset: DatasetName;
  /** Folder holding the data set's files (not needed for digits). */
  data?: string;
  /** Labeled images, class-balanced (every data set but ISIC, where `budget` picks a TEAR split). */
  labels?: number;
  /** ISIC 2018 only: the labeled budget, one of ISIC_BUDGETS. */
  budget?: number;
  /** Class-balanced validation images taken out of the training pool (ISIC: the fixed Val split). */
  validation: number;
  /** Digits only (it has no test split): class-balanced test images held out. */
  test?: number;
  /**
   * A long-tailed training pool: images per class of the data set's training pool, drawn from the seed
   * (0 drops the class from training and test); labeled and validation sets are then stratified.
   */
  classCounts?: number[];
  /** A named long-tailed pool (sets classCounts and class names), e.g. 'isic2018' for fashion-mnist. */
  longTail?: LongTailPresetName;
  method: MethodName;
  steps: number;
  batchSize: number;
  mu: number;
  lr: number;
  /** Trainer options: undefined means the trainer's own default (docs/trainer.md). */
  weightDecay?: number;
  threshold?: number;
  lambdaU?: number;
  lambdaIph?: number;
  emaMomentum?: number;
  emaWarmup?: boolean;
  /** Temporal reference: the EMA teacher, the previous step's model, or a per-sample memory (AdaPL only). */
  reference?: ReferenceKind;
  distributionAlignment?: boolean;
  /** Distribution-alignment target: uniform (the release's) or the labeled set's class marginal (ReMixMatch). */
  daTarget?: DaTarget;
  /** Supervised loss: cross-entropy or logit-adjusted (Menon et al. 2021, with the labeled class prior). */
  supervisedLoss?: SupervisedLossKind;
  /** τ of the logit-adjusted loss. */
  logitAdjustmentTau?: number;
  /** IPH clusters K (default: one per class). */
  clusters?: number;
  iphReference?: IphReference;
  adaplGamma?: number;
  adaplWMin?: number;
  /** AdaPL loss estimator (default temporal). */
  adaplEstimator?: AdaplEstimator;
  distance?: EstimatorDistance;
  entropy?: boolean;
  seed: number;
  backend: BackendName;
  /** Output folder (metrics.jsonl, checkpoints, report.md, plots). */
  out: string;
  checkpointEvery: number;
  resume?: string;
  evalEvery: number;
  /** Without a terminal: print one progress line every this many steps. */
  logEvery: number;
  /** Draw a live progress bar when stdout is a terminal. */
  progress: boolean;
  /** Also write TensorBoard scalars into this folder (needs @tensorflow/tfjs-node). */
  tensorboard?: string;
}

export interface OptionSpec {
  /** The config-file key and TrainSettings field; options of registered algorithms add keys TrainSettings does not name. */
  key: keyof TrainSettings | (string & {});
  /** Long flag without dashes, e.g. 'batch-size'. */
  flag: string;
  /** Where the value goes in the trainer config (dotted path), for options the trainer reads. */
  config?: string;
  kind: OptionKind;
  help: string;
  /** Placeholder shown in --help (default: upper-cased key). */
  valueName?: string;
}

/** A CLI option of a trainer config option: its schema entry's flag, key, kind and help. */
function fromSchema(entry: OptionEntry & { cli: NonNullable<OptionEntry['cli']> }): OptionSpec {
  return { key: entry.cli.key, flag: entry.cli.flag, config: entry.path, kind: entry.kind, help: entry.help, ...(entry.cli.valueName ? { valueName: entry.cli.valueName } : {}) };
}

/**
 * The options of `tear-ssl train` that set the trainer config: every option of the trainer's option
 * schema with a CLI flag (trainerOptions(): the core options, distribution alignment, references, the
 * AdaPL and IPH add-ons, each registered algorithm), in the schema's order.
 */
export const TRAINER_FLAG_OPTIONS: readonly OptionSpec[] = trainerOptions()
  .filter((e): e is OptionEntry & { cli: NonNullable<OptionEntry['cli']> } => e.cli !== undefined).map(fromSchema);

/**
 * One table drives the flags, the config file keys (the camelCase `key`), the checks of both and
 * --help: the CLI's own options (data, batches, output) and, from the trainer's option schema, every
 * trainer option with a flag.
 */
export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  { key: 'dataset', flag: 'dataset', kind: { type: 'enum', values: DATASET_NAMES }, help: `data set: ${DATASET_NAMES.join(', ')}`, valueName: 'NAME' },
  { key: 'data', flag: 'data', kind: { type: 'string' }, help: 'folder with the data set files (not needed for digits; ISIC: the images folder)', valueName: 'DIR' },
  { key: 'labels', flag: 'labels', kind: { type: 'int', min: 1 }, help: 'number of labeled images, class-balanced (not for isic2018: use --budget)', valueName: 'N' },
  { key: 'budget', flag: 'budget', kind: { type: 'enum', values: ISIC_BUDGETS }, help: `isic2018 labeled budget (TEAR split): ${ISIC_BUDGETS.join(', ')}`, valueName: 'N' },
  { key: 'validation', flag: 'validation', kind: { type: 'int', min: 0 }, help: 'class-balanced validation images held out of training', valueName: 'N' },
  { key: 'test', flag: 'test', kind: { type: 'int', min: 1 }, help: 'class-balanced test images held out (digits only: it has no test set)', valueName: 'N' },
  { key: 'classCounts', flag: 'class-counts', kind: { type: 'intList', min: 0 }, help: 'long-tailed pool: training images per class, comma-separated, one per class (0 drops the class from training and test; drawn from the seed); labeled and validation sets become stratified', valueName: 'N,N,…' },
  { key: 'longTail', flag: 'long-tail', kind: { type: 'enum', values: LONG_TAIL_PRESET_NAMES }, help: `named long-tailed pool: ${LONG_TAIL_PRESET_NAMES.join(', ')} (isic2018: fashion-mnist in ISIC 2018's class proportions, docs/data.md)`, valueName: 'NAME' },
  { key: 'batchSize', flag: 'batch-size', kind: { type: 'int', min: 1 }, help: 'labeled batch size B', valueName: 'B' },
  { key: 'mu', flag: 'mu', kind: { type: 'int', min: 1 }, help: 'unlabeled batch is mu·B', valueName: 'M' },
  ...TRAINER_FLAG_OPTIONS,
  { key: 'backend', flag: 'backend', kind: { type: 'enum', values: BACKEND_NAMES }, help: `tfjs backend: ${BACKEND_NAMES.join(', ')}`, valueName: 'NAME' },
  { key: 'out', flag: 'out', kind: { type: 'string' }, help: 'output folder (metrics.jsonl, checkpoints, report.md, plots)', valueName: 'DIR' },
  { key: 'checkpointEvery', flag: 'checkpoint-every', kind: { type: 'int', min: 0 }, help: 'save a checkpoint every N steps (0: only at the end)', valueName: 'N' },
  { key: 'resume', flag: 'resume', kind: { type: 'string' }, help: 'resume from a checkpoint (a checkpoint folder, or an out folder: its latest)', valueName: 'PATH' },
  { key: 'logEvery', flag: 'log-every', kind: { type: 'int', min: 1 }, help: 'without a terminal, print a progress line every N steps', valueName: 'N' },
  { key: 'progress', flag: 'progress', kind: { type: 'boolean' }, help: 'live progress bar on a terminal (--no-progress: plain lines)' },
  { key: 'tensorboard', flag: 'tensorboard', kind: { type: 'string' }, help: 'also write TensorBoard scalars (losses, mask rate, lr, validation metrics) into DIR; needs @tensorflow/tfjs-node and --backend tensorflow', valueName: 'DIR' },
];

/** Settings every data set shares; `datasetDefaults` overrides some per data set. */
export const COMMON_DEFAULTS: Omit<TrainSettings, 'dataset' | 'out'> = {
  validation: 0,
  method: 'tear',
  steps: 1000,
  batchSize: 64,
  mu: 7,
  lr: 0.03,
  seed: 0,
  backend: 'auto',
  checkpointEvery: 500,
  evalEvery: 250,
  logEvery: 10,
  progress: true,
};

/** Where a value came from, for messages: a flag, or a key of a config file. */
export type ValueSource = { kind: 'flag' } | { kind: 'config'; file: string };

function where(spec: OptionSpec, source: ValueSource): string {
  return source.kind === 'flag' ? `option --${spec.flag}` : `config file ${source.file}: key '${spec.key}'`;
}

/** A flag's value as typed ('x'); a config value as JSON with its type ("100" (string)), since the type is the usual mistake. */
function show(value: unknown, source: ValueSource): string {
  if (source.kind === 'flag' && typeof value === 'string') return `'${value}'`;
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `${JSON.stringify(value)} (${type})`;
}

/**
 * A flag's text as a value of its kind ('64' → 64, '6000,0,983' → [6000, 0, 983]); text that is not
 * one stays text, and the kind's check refuses it. Config-file values are JSON and are not converted.
 */
function fromFlagText(kind: OptionKind, raw: string): unknown {
  switch (kind.type) {
    case 'int': return /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    case 'number': return raw.trim() !== '' ? Number(raw) : raw;
    case 'enum': return typeof kind.values[0] === 'number' && /^\d+$/.test(raw) ? Number(raw) : raw;
    case 'intList': return raw.split(',').map((x) => x.trim()).map((x) => (/^[+-]?\d+$/.test(x) ? Number(x) : x));
    default: return raw;
  }
}

/** What a kind accepts, in a CLI message: 'a positive integer', 'in (0, 1]', 'one of a, b'. */
function expected(kind: OptionKind, fromFlag: boolean): string {
  switch (kind.type) {
    case 'boolean': return 'true or false';
    case 'string': return 'a non-empty string';
    case 'enum': return `one of ${kind.values.join(', ')}`;
    case 'intList': return `a non-empty list of integers ≥ ${kind.min}${fromFlag ? ', comma-separated' : ' (a JSON array)'}`;
    case 'int': return kind.min === 1 && kind.max === undefined ? 'a positive integer'
      : kind.max === undefined ? `an integer ≥ ${kind.min}` : `an integer in [${kind.min}, ${kind.max}]`;
    case 'number': return `in ${intervalText(kind)}`;
    case 'distribution': return 'a list of class probabilities';
  }
}

/**
 * Checks and converts one value. Flags arrive as strings ('64'); config files as JSON values (64).
 * The check is the trainer's (acceptsValue of the option schema), so a flag, a config-file key and the
 * trainer config accept and refuse the same values. Throws CliUsageError naming the flag or the file and key.
 */
export function parseOptionValue(spec: OptionSpec, raw: unknown, source: ValueSource): unknown {
  const kind = spec.kind;
  const fromFlag = source.kind === 'flag';
  const value = fromFlag && typeof raw === 'string' ? fromFlagText(kind, raw)
    // a config file's list may spell its integers as strings ("10"), as it always could
    : kind.type === 'intList' && Array.isArray(raw) ? raw.map((x) => (typeof x === 'string' && /^[+-]?\d+$/.test(x.trim()) ? Number(x) : x)) : raw;
  if (kind.type === 'number' && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new CliUsageError(`${where(spec, source)} must be a number, got ${show(raw, source)}`);
  }
  if (!acceptsValue(kind, value) || kind.type === 'distribution' || (kind.type === 'number' && value === null)) {
    throw new CliUsageError(`${where(spec, source)} must be ${expected(kind, fromFlag)}, got ${show(raw, source)}`);
  }
  return kind.type === 'enum' && typeof value === 'string' ? (kind.aliases?.[value] ?? value) : value;
}

/** An option's --help line: its help, and for a number its accepted interval (`(number in [0, 1])`), from the same kind the checks read. */
export function optionHelp(spec: OptionSpec): string {
  return spec.kind.type === 'number' || spec.kind.type === 'int' ? `${spec.help} (${kindText(spec.kind)})` : spec.help;
}

export const optionSpec = (key: string): OptionSpec | undefined => TRAIN_OPTIONS.find((o) => o.key === key);
