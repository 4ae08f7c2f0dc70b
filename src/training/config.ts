import { check } from '../util/checks';
import { methodNames, parseMethodName, registeredConfigSections, registeredOptions, resolveMethod, type MethodName } from './algorithms/registry';
import { CORE_OPTIONS, SUPERVISED_OPTIONS, TAIL_OPTIONS, methodOption } from './configSchema';
import type { DeepPartial, TrainerConfig } from './configTypes';
import { checkOption, defaultValue, getPath, setPath, type OptionEntry } from './optionSchema';
import { resolveOptimizerConfig } from './optimizer';

export * from './configTypes';

/** What a caller passes: numClasses and totalSteps are required, the rest has defaults. */
export type TrainerConfigInput = DeepPartial<Omit<TrainerConfig, 'numClasses' | 'totalSteps'>> & { numClasses: number; totalSteps: number }
  /** Sections of registered algorithms (e.g. `flexmatch: { warmup: false }`), checked by their ConfigSection. */
  & { [section: string]: unknown };

/**
 * Every method name, read from the algorithm registry (src/training/algorithms/registry.ts):
 * supervised (L_s only), fixmatch (+ λu·L_u), adapl (+ λu·L_con), iph (FixMatch + λiph·L_IPH),
 * tear (AdaPL + IPH), and each registered algorithm alone and with `+adapl`, `+iph`, `+tear`.
 */
export const TRAINING_METHODS: readonly MethodName[] = methodNames();

/**
 * The option schema of TrainerConfig: every option once, with its default, kind, bounds, help and CLI
 * flag (src/training/optionSchema.ts). The core options first, then those the registered components
 * declare (distribution alignment, references, the AdaPL and IPH add-ons, each algorithm's section).
 */
export function trainerOptions(): readonly OptionEntry[] {
  return [methodOption(), ...CORE_OPTIONS, ...SUPERVISED_OPTIONS, ...registeredOptions(), ...TAIL_OPTIONS];
}

/** The schema entry of a config path ('adapl.gamma'), or undefined. */
export function trainerOption(path: string): OptionEntry | undefined {
  return trainerOptions().find((o) => o.path === path);
}

/** The defaults, from the option schema (the TEAR release's where it has one; see docs/trainer.md). */
export function defaultTrainerConfig(numClasses: number, totalSteps: number): TrainerConfig {
  const config: Record<string, unknown> = {};
  for (const entry of trainerOptions()) setPath(config, entry.path, defaultValue(entry, numClasses));
  config.numClasses = numClasses;
  config.totalSteps = totalSteps;
  return config as TrainerConfig;
}

function merge<T extends object>(base: T, over: object | undefined): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over ?? {})) {
    if (v === undefined) continue;
    const b = (base as Record<string, unknown>)[k];
    out[k] = b !== null && typeof b === 'object' && !Array.isArray(b) && v !== null && typeof v === 'object' ? merge(b, v) : v;
  }
  return out as T;
}

/**
 * Fills defaults and checks every field against the option schema; errors name the option and its
 * bound (`tear-ssl.SemiSupervisedTrainer: option 'adapl.gamma' must be > 0, got 0`).
 */
export function resolveTrainerConfig(input: TrainerConfigInput): TrainerConfig {
  const fn = 'SemiSupervisedTrainer';
  check(input !== null && typeof input === 'object', fn, () => 'option \'config\' must be an object');
  const options = trainerOptions();
  const byPath = (path: string): OptionEntry => options.find((o) => o.path === path) as OptionEntry;
  checkOption(byPath('numClasses'), input.numClasses, fn, 0);
  checkOption(byPath('totalSteps'), input.totalSteps, fn, 0);
  const known = new Set(options.map((o) => o.path.split('.')[0]));
  for (const k of Object.keys(input)) check(known.has(k), fn, () => `unknown config option '${k}'`);
  for (const section of registeredConfigSections()) {
    const value = (input as Record<string, unknown>)[section.key];
    check(value === undefined || (value !== null && typeof value === 'object'), fn, () => `option '${section.key}' must be an object`);
  }
  const c = merge(defaultTrainerConfig(input.numClasses, input.totalSteps), input);
  check(typeof c.method === 'string', fn, () => `option 'method' must be a string, got ${String(c.method)}`);
  try {
    parseMethodName(c.method);
  } catch (e) {
    check(false, fn, () => `option 'method': ${(e as Error).message}`);
  }
  c.optimizer = resolveOptimizerConfig(c.optimizer);
  for (const entry of options) checkOption(entry, getPath(c, entry.path), fn, c.numClasses);
  c.method = canonicalMethod(c.method);
  check(c.warmupSteps < c.totalSteps, fn, () => `option 'warmupSteps' must be < ${c.totalSteps} (totalSteps), got ${c.warmupSteps}`);
  const needsPrior = [
    c.distributionAlignment.enabled && c.distributionAlignment.target === 'labeled' ? 'distributionAlignment.target \'labeled\'' : undefined,
    c.supervisedLoss.kind === 'logit-adjusted' ? 'supervisedLoss.kind \'logit-adjusted\'' : undefined,
  ].filter((x): x is string => x !== undefined);
  check(needsPrior.length === 0 || c.classPrior !== null, fn, () =>
    `option ${needsPrior.join(' and ')} needs option 'classPrior' (the labeled set's class marginal, e.g. classPriorOf(labels, numClasses))`);
  const recipe = resolveMethod(c);
  recipe.algorithm.check?.(c, fn);
  const modelTerm = recipe.terms.find((t) => t.usesReferenceModel);
  check(!(recipe.reference && !recipe.reference.usesModel && modelTerm), fn, () =>
    `method '${c.method}' uses ${modelTerm?.name.toUpperCase()}, which needs reference features: use reference 'ema' or 'previous', not '${c.reference}'`);
  if (recipe.reference?.name === 'memory') {
    check(c.memory.numSamples > 0, fn, () => 'reference \'memory\' needs option \'memory.numSamples\' (the number of unlabeled sample ids)');
  }
  return c;
}

/** The stored spelling of a method name (an alias such as 'fixmatch+tear' → 'tear'), by the schema's method entry. */
function canonicalMethod(name: string): MethodName {
  const kind = methodOption().kind;
  return ((kind.type === 'enum' ? kind.aliases?.[name] : undefined) ?? name) as MethodName;
}

/** Top-level fields that may differ between a checkpoint and the trainer loading it (they change no arithmetic of the step). */
export const FIELDS_FREE_ON_RESUME: readonly string[] = ['evalEvery'];

/** Names of the config fields (dotted) whose values differ, ignoring FIELDS_FREE_ON_RESUME. */
export function configDifferences(a: TrainerConfig, b: TrainerConfig): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (FIELDS_FREE_ON_RESUME.includes(path)) return;
    if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object') {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else if (x !== y) {
      out.push(path);
    }
  };
  walk(a, b, '');
  return out;
}
