import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stratifiedQuotas, type SplitAllocation } from '../data/splits';
import { runFolderOf } from './checkpointFiles';
import { CliUsageError } from './cliError';
import { readConfigFile } from './configFile';
import { DATASET_PROFILES } from './datasetProfiles';
import { COMMON_DEFAULTS, ISIC_BUDGETS, TRAIN_OPTIONS, parseOptionValue, type DatasetName, type TrainSettings } from './trainOptions';

/**
 * Merges, lowest first: common defaults < the data set's defaults < `recorded` < the config file < the
 * flags given. `recorded` is the settings of the run a --resume continues (its run.json or checkpoint
 * metadata), so a resume need not repeat the data flags; it is ignored when another data set is asked for.
 * Without --out, a resumed run writes into the run folder of its checkpoint.
 * `flags` holds only what the user typed (commander options carry no defaults), as strings or booleans.
 * Throws CliUsageError for anything wrong that can be seen before loading data.
 */
export function resolveTrainSettings(flags: Record<string, unknown>, now: Date = new Date(), recorded?: Partial<TrainSettings>): TrainSettings {
  const fromFlags: Record<string, unknown> = {};
  for (const spec of TRAIN_OPTIONS) {
    if (flags[spec.key] !== undefined) fromFlags[spec.key] = parseOptionValue(spec, flags[spec.key], { kind: 'flag' });
  }
  const configPath = flags.config;
  if (configPath !== undefined && (typeof configPath !== 'string' || configPath === '')) {
    throw new CliUsageError('option --config must name a JSON file');
  }
  const fromConfig: Record<string, unknown> = configPath === undefined ? {} : readConfigFile(configPath);
  const dataset = (fromFlags.dataset ?? fromConfig.dataset ?? recorded?.dataset ?? 'digits') as DatasetName;
  const profile = DATASET_PROFILES[dataset];
  const given = { ...fromConfig, ...fromFlags };
  const base: Record<string, unknown> = recorded !== undefined && recorded.dataset === dataset ? { ...recorded } : {};
  for (const key of ['resume', 'out', 'config'] as const) delete base[key];
  const merged = { ...COMMON_DEFAULTS, ...profile.defaults, ...base, ...given, dataset } as Omit<TrainSettings, 'out'> & { out?: string };

  if (dataset === 'isic2018' && given.labels !== undefined) {
    throw new CliUsageError(`--labels does not apply to isic2018: pick a TEAR split with --budget (${ISIC_BUDGETS.join(', ')})`);
  }
  if (dataset !== 'isic2018' && given.budget !== undefined) {
    throw new CliUsageError(`--budget only applies to isic2018; use --labels N for ${dataset}`);
  }
  if (given.classCounts !== undefined && given.longTail !== undefined) {
    throw new CliUsageError('--class-counts and --long-tail both set the training pool: give one of them');
  }
  if (dataset === 'isic2018' && (given.classCounts !== undefined || given.longTail !== undefined)) {
    throw new CliUsageError('--class-counts and --long-tail do not apply to isic2018: its TEAR split files fix the pool (it is long-tailed already)');
  }
  if (profile.hasTestSplit && given.test !== undefined) {
    throw new CliUsageError(`--test only applies to data sets without a test split (digits); ${dataset} has its own test set`);
  }
  if (profile.embedded) {
    if (given.data !== undefined) throw new CliUsageError(`--data is not used with --dataset ${dataset}: ${profile.dataHelp}`);
  } else {
    merged.data ??= profile.defaultData;
    if (merged.data === undefined) {
      throw new CliUsageError(`--dataset ${dataset} needs --data DIR: ${profile.dataHelp}`);
    }
    if (!existsSync(merged.data)) {
      throw new CliUsageError(`--data ${merged.data} does not exist (--dataset ${dataset} expects ${profile.dataHelp})`);
    }
  }
  if (merged.resume !== undefined && !existsSync(merged.resume)) {
    throw new CliUsageError(`--resume ${merged.resume} does not exist`);
  }
  const resumedRun = merged.resume === undefined ? undefined : runFolderOf(merged.resume);
  const out = merged.out ?? resumedRun ?? join('runs', `${dataset}-${merged.method}-${timestamp(now)}`);
  return { ...merged, out };
}

/**
 * Checks `--labels` against what a class-balanced split of the training pool can give (`classCounts`:
 * images per class in the pool, after any test hold-out): at least one labeled image per class, and
 * ⌈labels/C⌉ + ⌈validation/C⌉ within the smallest class.
 */
export function checkLabelBudget(
  settings: Pick<TrainSettings, 'labels' | 'validation' | 'dataset'>, classCounts: readonly number[], classNames: readonly string[],
  allocation: SplitAllocation = 'balanced',
): void {
  const numClasses = classCounts.length;
  const { validation, dataset } = settings;
  const labels = settings.labels ?? 0;
  if (allocation === 'stratified') {
    checkStratifiedBudget(labels, validation, classCounts, classNames, dataset);
    return;
  }
  if (labels < numClasses) {
    throw new CliUsageError(`--labels ${labels} is too small: a class-balanced split of ${dataset} needs at least one labeled image per class (≥ ${numClasses})`);
  }
  const smallest = Math.min(...classCounts);
  const smallestName = classNames[classCounts.indexOf(smallest)] ?? String(classCounts.indexOf(smallest));
  const heldOut = Math.ceil(validation / numClasses);
  if (validation > 0 && heldOut >= smallest) {
    throw new CliUsageError(`--validation ${validation} is larger than the class-balanced budget allows for ${dataset}: the smallest class ('${smallestName}') has ` +
      `${smallest} training images, ${heldOut} of which would go to validation, leaving none to label`);
  }
  const perClass = Math.max(0, smallest - heldOut);
  if (Math.ceil(labels / numClasses) > perClass) {
    throw new CliUsageError(
      `--labels ${labels} is larger than the class-balanced budget allows for ${dataset}: the smallest class ('${smallestName}') has ` +
      `${smallest} training images and ${heldOut} of them go to validation, so at most ${numClasses * perClass} labels (${perClass} per class)`);
  }
}

/** A stratified split needs ≥ 1 labeled (and, with validation, ≥ 1 validation) image per class and room for both quotas in every class. */
function checkStratifiedBudget(labels: number, validation: number, classCounts: readonly number[], classNames: readonly string[], dataset: string): void {
  const numClasses = classCounts.length;
  if (labels < numClasses) {
    throw new CliUsageError(`--labels ${labels} is too small: a stratified split of ${dataset} needs at least one labeled image per class (≥ ${numClasses})`);
  }
  if (validation > 0 && validation < numClasses) {
    throw new CliUsageError(`--validation ${validation} is too small: a stratified split of ${dataset} needs at least one validation image per class (≥ ${numClasses}), or 0`);
  }
  const labeledQuota = stratifiedQuotas(labels, classCounts, 0);
  const validationQuota = stratifiedQuotas(validation, classCounts, 0);
  classCounts.forEach((n, c) => {
    // the seeded tie order moves at most one image per class; ask for one spare
    if (labeledQuota[c] + validationQuota[c] + 1 > n) {
      throw new CliUsageError(`--labels ${labels} and --validation ${validation} are too many for a stratified split of ${dataset}: class '${classNames[c] ?? c}' ` +
        `has ${n} training images and would give about ${labeledQuota[c]} to labeled and ${validationQuota[c]} to validation, leaving none unlabeled`);
    }
  });
}

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
