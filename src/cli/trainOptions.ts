import { IPH_REFERENCES } from '../math/iphLoss';
import { LONG_TAIL_PRESET_NAMES, type LongTailPresetName } from '../data/longTail';
import { DA_TARGETS, SUPERVISED_LOSSES, type DaTarget, type SupervisedLossKind } from '../training/config';
import { ADAPL_ESTIMATORS, type AdaplEstimator } from '../math/estimators';
import { ESTIMATOR_DISTANCES } from '../math/lossEstimator';
import { REFERENCES, TRAINING_METHODS, type ReferenceKind } from '../training/config';
import { registeredOptions, type MethodName } from '../training/algorithms/registry';
import type { OptionKind } from '../training/algorithms/types';
import type { IphReference } from '../math/iphLoss';
import type { EstimatorDistance } from '../math/lossEstimator';
import { CliUsageError } from './cliError';

export const DATASET_NAMES = ['digits', 'fashion-mnist', 'mnist', 'cifar10', 'isic2018'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
/** The trainer's methods, read from the algorithm registry. */
export const METHOD_NAMES = TRAINING_METHODS;
export type { MethodName };
export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** The labeled budgets the TEAR release ships split files for (ISIC 2018). */
export const ISIC_BUDGETS = [350, 600, 800, 1200, 2000] as const;

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

/** One table drives the flags, the config file keys (the camelCase `key`), and the checks of both. */
export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  { key: 'dataset', flag: 'dataset', kind: { type: 'enum', values: DATASET_NAMES }, help: `data set: ${DATASET_NAMES.join(', ')}`, valueName: 'NAME' },
  { key: 'data', flag: 'data', kind: { type: 'string' }, help: 'folder with the data set files (not needed for digits; ISIC: the images folder)', valueName: 'DIR' },
  { key: 'labels', flag: 'labels', kind: { type: 'int', min: 1 }, help: 'number of labeled images, class-balanced (not for isic2018: use --budget)', valueName: 'N' },
  { key: 'budget', flag: 'budget', kind: { type: 'enum', values: ISIC_BUDGETS }, help: `isic2018 labeled budget (TEAR split): ${ISIC_BUDGETS.join(', ')}`, valueName: 'N' },
  { key: 'validation', flag: 'validation', kind: { type: 'int', min: 0 }, help: 'class-balanced validation images held out of training', valueName: 'N' },
  { key: 'test', flag: 'test', kind: { type: 'int', min: 1 }, help: 'class-balanced test images held out (digits only: it has no test set)', valueName: 'N' },
  { key: 'classCounts', flag: 'class-counts', kind: { type: 'intList', min: 0 }, help: 'long-tailed pool: training images per class, comma-separated, one per class (0 drops the class from training and test; drawn from the seed); labeled and validation sets become stratified', valueName: 'N,N,…' },
  { key: 'longTail', flag: 'long-tail', kind: { type: 'enum', values: LONG_TAIL_PRESET_NAMES }, help: `named long-tailed pool: ${LONG_TAIL_PRESET_NAMES.join(', ')} (isic2018: fashion-mnist in ISIC 2018's class proportions, docs/data.md)`, valueName: 'NAME' },
  { key: 'method', flag: 'method', config: 'method', kind: { type: 'enum', values: METHOD_NAMES }, help: `training method: ${METHOD_NAMES.join(', ')}`, valueName: 'NAME' },
  { key: 'steps', flag: 'steps', config: 'totalSteps', kind: { type: 'int', min: 1 }, help: 'training steps (iterations)', valueName: 'K' },
  { key: 'batchSize', flag: 'batch-size', kind: { type: 'int', min: 1 }, help: 'labeled batch size B', valueName: 'B' },
  { key: 'mu', flag: 'mu', kind: { type: 'int', min: 1 }, help: 'unlabeled batch is mu·B', valueName: 'M' },
  { key: 'lr', flag: 'lr', config: 'learningRate', kind: { type: 'number', min: 0, minOpen: true }, help: 'learning rate (cosine-decayed: lr·cos(7πk/16K))', valueName: 'LR' },
  { key: 'weightDecay', flag: 'weight-decay', config: 'optimizer.weightDecay', kind: { type: 'number', min: 0 }, help: 'weight decay (not on batch-norm parameters; default 5e-4)', valueName: 'WD' },
  { key: 'threshold', flag: 'threshold', config: 'threshold', kind: { type: 'number', min: 0, max: 1, minOpen: true }, help: 'confidence threshold τ for pseudo labels', valueName: 'TAU' },
  { key: 'lambdaU', flag: 'lambda-u', config: 'lambdaU', kind: { type: 'number', min: 0 }, help: 'weight λ_u of the unlabeled loss', valueName: 'W' },
  { key: 'lambdaIph', flag: 'lambda-iph', config: 'lambdaIph', kind: { type: 'number', min: 0 }, help: 'weight λ_IPH of the IPH loss', valueName: 'W' },
  { key: 'emaMomentum', flag: 'ema-momentum', config: 'ema.momentum', kind: { type: 'number', min: 0, max: 1, maxOpen: true }, help: 'EMA momentum of the reference model', valueName: 'M' },
  { key: 'emaWarmup', flag: 'ema-warmup', config: 'ema.warmup', kind: { type: 'boolean' }, help: 'EMA warm-up min(m, (1+k)/(10+k)) (use for short runs; --no-ema-warmup to turn off)' },
  { key: 'reference', flag: 'reference', config: 'reference', kind: { type: 'enum', values: REFERENCES }, help: 'temporal reference: ema, previous (last step\'s model), memory (per-sample, AdaPL only)', valueName: 'R' },
  { key: 'distributionAlignment', flag: 'distribution-alignment', config: 'distributionAlignment.enabled', kind: { type: 'boolean' }, help: 'distribution alignment of the weak probabilities (--no-distribution-alignment to turn off)' },
  { key: 'daTarget', flag: 'da-target', config: 'distributionAlignment.target', kind: { type: 'enum', values: DA_TARGETS }, help: 'distribution-alignment target: uniform (the TEAR release\'s) or labeled (the labeled set\'s class marginal, ReMixMatch)', valueName: 'T' },
  { key: 'supervisedLoss', flag: 'supervised-loss', config: 'supervisedLoss.kind', kind: { type: 'enum', values: SUPERVISED_LOSSES }, help: 'supervised loss: cross-entropy, or logit-adjusted (CE of z + τ·log π with the labeled class prior π, Menon et al. 2021)', valueName: 'L' },
  { key: 'logitAdjustmentTau', flag: 'logit-adjustment-tau', config: 'supervisedLoss.tau', kind: { type: 'number', min: 0 }, help: 'τ of the logit-adjusted supervised loss (default 1)', valueName: 'TAU' },
  { key: 'clusters', flag: 'clusters', config: 'iph.numClusters', kind: { type: 'int', min: 1 }, help: 'IPH clusters K (default: one per class)', valueName: 'K' },
  { key: 'iphReference', flag: 'iph-reference', config: 'iph.reference', kind: { type: 'enum', values: IPH_REFERENCES }, help: 'IPH reference groups: prediction (reference argmax) or kmeans', valueName: 'R' },
  { key: 'adaplGamma', flag: 'adapl-gamma', config: 'adapl.gamma', kind: { type: 'number', min: 0, minOpen: true }, help: 'AdaPL sigmoid temperature γ of the confidence weights', valueName: 'G' },
  { key: 'adaplWMin', flag: 'adapl-w-min', config: 'adapl.wMin', kind: { type: 'number', min: 0, max: 1 }, help: 'AdaPL minimum weight w_min', valueName: 'W' },
  { key: 'distance', flag: 'distance', config: 'adapl.distance', kind: { type: 'enum', values: ESTIMATOR_DISTANCES }, help: `loss estimator distance: ${ESTIMATOR_DISTANCES.join(', ')}`, valueName: 'D' },
  { key: 'adaplEstimator', flag: 'adapl-estimator', config: 'adapl.estimator', kind: { type: 'enum', values: ADAPL_ESTIMATORS }, help: `AdaPL loss estimator: temporal (D(p̃,p) + H(p̃), default), ensemble (−log ½(p̃+p)_ŷ) or confidence (−log max p), docs/method.md`, valueName: 'E' },
  { key: 'entropy', flag: 'entropy', config: 'adapl.entropy', kind: { type: 'boolean' }, help: 'add the entropy term to the loss estimator (--no-entropy to drop it)' },
  { key: 'seed', flag: 'seed', config: 'seed', kind: { type: 'int', min: 0, max: 2 ** 32 - 1 }, help: 'random seed (splits, weights, batches, augmentations)', valueName: 'S' },
  { key: 'backend', flag: 'backend', kind: { type: 'enum', values: BACKEND_NAMES }, help: `tfjs backend: ${BACKEND_NAMES.join(', ')}`, valueName: 'NAME' },
  { key: 'out', flag: 'out', kind: { type: 'string' }, help: 'output folder (metrics.jsonl, checkpoints, report.md, plots)', valueName: 'DIR' },
  { key: 'checkpointEvery', flag: 'checkpoint-every', kind: { type: 'int', min: 0 }, help: 'save a checkpoint every N steps (0: only at the end)', valueName: 'N' },
  { key: 'resume', flag: 'resume', kind: { type: 'string' }, help: 'resume from a checkpoint (a checkpoint folder, or an out folder: its latest)', valueName: 'PATH' },
  { key: 'evalEvery', flag: 'eval-every', config: 'evalEvery', kind: { type: 'int', min: 0 }, help: 'evaluate on the validation set every N steps (0: only at the end)', valueName: 'N' },
  { key: 'logEvery', flag: 'log-every', kind: { type: 'int', min: 1 }, help: 'without a terminal, print a progress line every N steps', valueName: 'N' },
  { key: 'progress', flag: 'progress', kind: { type: 'boolean' }, help: 'live progress bar on a terminal (--no-progress: plain lines)' },
  ...registeredOptions(),
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
 * Checks and converts one value. Flags arrive as strings ('64'); config files as JSON values (64).
 * Throws CliUsageError naming the flag or the file and key.
 */
export function parseOptionValue(spec: OptionSpec, raw: unknown, source: ValueSource): unknown {
  const at = where(spec, source);
  const kind = spec.kind;
  const fromFlag = source.kind === 'flag';
  switch (kind.type) {
    case 'boolean':
      if (typeof raw !== 'boolean') throw new CliUsageError(`${at} must be true or false, got ${show(raw, source)}`);
      return raw;
    case 'intList': {
      const items = fromFlag && typeof raw === 'string' ? raw.split(',').map((x) => x.trim()) : raw;
      const ok = Array.isArray(items) && items.length > 0 && items.every((x) => {
        const v = typeof x === 'string' && /^[+-]?\d+$/.test(x) ? Number(x) : x;
        return typeof v === 'number' && Number.isInteger(v) && v >= kind.min;
      });
      if (!ok) throw new CliUsageError(`${at} must be a non-empty list of integers ≥ ${kind.min}${fromFlag ? ', comma-separated' : ' (a JSON array)'}, got ${show(raw, source)}`);
      return (items as unknown[]).map((x) => Number(x));
    }
    case 'string':
      if (typeof raw !== 'string' || raw === '') throw new CliUsageError(`${at} must be a non-empty string, got ${show(raw, source)}`);
      return raw;
    case 'enum': {
      const numeric = typeof kind.values[0] === 'number';
      const value = numeric && fromFlag && typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
      if (!kind.values.includes(value as string | number)) {
        throw new CliUsageError(`${at} must be one of ${kind.values.join(', ')}, got ${show(raw, source)}`);
      }
      return value;
    }
    case 'int': {
      const value = fromFlag && typeof raw === 'string' && /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      const range = kind.max === undefined ? `an integer ≥ ${kind.min}` : `an integer in [${kind.min}, ${kind.max}]`;
      const label = kind.min === 1 && kind.max === undefined ? 'a positive integer' : range;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < kind.min || (kind.max !== undefined && value > kind.max)) {
        throw new CliUsageError(`${at} must be ${label}, got ${show(raw, source)}`);
      }
      return value;
    }
    case 'number': {
      const value = fromFlag && typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new CliUsageError(`${at} must be a number, got ${show(raw, source)}`);
      const { min, max, minOpen, maxOpen } = kind;
      const tooLow = min !== undefined && (minOpen ? value <= min : value < min);
      const tooHigh = max !== undefined && (maxOpen ? value >= max : value > max);
      if (tooLow || tooHigh) {
        const lo = min === undefined ? '(-∞' : `${minOpen ? '(' : '['}${min}`;
        const hi = max === undefined ? '∞)' : `${max}${maxOpen ? ')' : ']'}`;
        throw new CliUsageError(`${at} must be in ${lo}, ${hi}, got ${show(raw, source)}`);
      }
      return value;
    }
  }
}

export const optionSpec = (key: string): OptionSpec | undefined => TRAIN_OPTIONS.find((o) => o.key === key);
