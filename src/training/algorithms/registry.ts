import { ADAPL_SECTION, adaplTargets } from './adaplTargets';
import { adamatch } from './adamatch';
import { dash } from './dash';
import { debiaspl } from './debiaspl';
import { DISTRIBUTION_ALIGNMENT_SECTION, queueAlignment } from './distributionAlignment';
import { everySample } from './fixedThreshold';
import { fixmatch } from './fixmatch';
import { flexmatch } from './flexmatch';
import { freematch } from './freematch';
import { softmatch } from './softmatch';
import { hardTargets } from './hardTargets';
import { IPH_OPTIONS, iphTerm } from './iphTerm';
import { REFERENCE_OPTIONS } from './referenceOptions';
import { REFERENCE_SOURCES } from './references';
import { supervised } from './supervised';
import type {
  Alignment, Algorithm, ContextNeed, ComponentState, ConfigSection, ExtraTerm, Masker, OptionEntry, ReferenceSource, TargetBuilder,
} from './types';
import type { TrainerConfig } from '../configTypes';

/**
 * Every algorithm, by name. Adding one is a file exporting an `Algorithm` record and one line here;
 * the trainer, the config checks, the CLI and `methodNames()` read this table (docs/architecture.md).
 */
export const ALGORITHMS = {
  supervised,
  fixmatch,
  flexmatch,
  freematch,
  softmatch,
  debiaspl,
  dash,
  adamatch,
} as const satisfies Readonly<Record<string, Algorithm>>;

/** The name of a registered algorithm (a key of ALGORITHMS). */
export type AlgorithmName = keyof typeof ALGORITHMS;
/** The algorithms that train on unlabeled data (every one but those declared `unlabeled: false`). */
export type SemiSupervisedAlgorithmName = { [K in AlgorithmName]: (typeof ALGORITHMS)[K]['unlabeled'] extends false ? never : K }[AlgorithmName];

/**
 * TEAR's parts, which compose with every semi-supervised algorithm: `<algorithm>+adapl` swaps the
 * one-hot targets for AdaPL's relaxed ones, `+iph` adds the IPH term, `+tear` does both.
 */
export const ADD_ONS = {
  adapl: { targets: adaplTargets, description: 'AdaPL relaxed pseudo labels', options: ADAPL_SECTION.options } as AddOn,
  iph: { terms: [iphTerm], description: 'IPH prototype term', options: IPH_OPTIONS } as AddOn,
  tear: { targets: adaplTargets, terms: [iphTerm], description: 'AdaPL + IPH' } as AddOn,
} as const;

/** What an add-on brings to an algorithm: targets (replacing one-hot ŷ) and/or extra terms, and the options they read. */
export interface AddOn { targets?: TargetBuilder; terms?: readonly ExtraTerm[]; description: string; options?: readonly OptionEntry[] }
/** The name of an add-on (a key of ADD_ONS). */
export type AddOnName = keyof typeof ADD_ONS;

/** FixMatch's combinations keep their historical short names (they are stored in checkpoints). */
const SHORT_NAMES: Readonly<Record<string, AddOnName>> = Object.fromEntries(Object.keys(ADD_ONS).map((a) => [`fixmatch+${a}`, a as AddOnName]));
/** The long spellings the trainer and the CLI accept and store as the short name: `fixmatch+tear` → `tear`. */
export const METHOD_ALIASES: Readonly<Record<string, string>> = SHORT_NAMES;

/**
 * Every method name the trainer accepts, as a type derived from the registry: each algorithm, each
 * semi-supervised algorithm with each add-on (`freematch+tear`), and FixMatch's short names (`tear`,
 * which are the add-on names).
 */
export type MethodName = AlgorithmName | `${SemiSupervisedAlgorithmName}+${AddOnName}` | AddOnName;

// The registry's method names type TrainerConfig.method (TrainingMethod), by declaration merging.
declare module '../configTypes' {
  interface RegisteredNames { method: MethodName }
}

/** Every method name the trainer accepts, canonical spelling: each algorithm, and each semi-supervised one with each add-on. */
export function methodNames(): MethodName[] {
  const names: MethodName[] = [];
  for (const algorithm of Object.values(ALGORITHMS)) {
    names.push(algorithm.name as MethodName);
    if (!algorithm.unlabeled) continue;
    for (const addOn of Object.keys(ADD_ONS)) {
      const long = `${algorithm.name}+${addOn}`;
      names.push((SHORT_NAMES[long] ?? long) as MethodName);
    }
  }
  return names;
}

/** The canonical name of a method: 'fixmatch+tear' → 'tear'; other names are returned unchanged. */
export function canonicalMethodName(name: MethodName | `fixmatch+${AddOnName}`): MethodName;
export function canonicalMethodName(name: string): string;
export function canonicalMethodName(name: string): string {
  return SHORT_NAMES[name] ?? name;
}

/** What a method name implies before any config: whether it reads unlabeled data, and the names of its extra terms (StepLogs keys). */
export function describeMethod(name: string): { unlabeled: boolean; terms: string[]; description: string; usesSampleIds: boolean } {
  const { algorithm, addOn } = parseMethodName(name);
  const extra = addOn === undefined ? undefined : ADD_ONS[addOn];
  return {
    unlabeled: algorithm.unlabeled,
    terms: [...(algorithm.terms ?? []), ...(extra?.terms ?? [])].map((t) => t.name),
    description: extra ? `${algorithm.description}, with ${extra.description}` : algorithm.description,
    usesSampleIds: algorithm.usesSampleIds === true,
  };
}

/**
 * The StepLogs fields every method's logs carry, whatever its terms: each registered extra term that
 * declares `logWhenAbsent` (IPH: `iph: 0`). A step's own term values are written over them.
 */
export function stepLogDefaults(): Record<string, number> {
  const terms = [...Object.values(ALGORITHMS).flatMap((a: Algorithm) => a.terms ?? []), ...Object.values(ADD_ONS).flatMap((a) => a.terms ?? [])];
  const out: Record<string, number> = {};
  for (const term of terms) if (term.logWhenAbsent !== undefined) out[term.name] ??= term.logWhenAbsent;
  return out;
}

/** Config sections the registered algorithms add to TrainerConfig (e.g. `flexmatch`). */
export function registeredConfigSections(): ConfigSection[] {
  return Object.values(ALGORITHMS).flatMap((a) => (a.config ? [a.config] : []));
}

/**
 * The options the registered components declare, in the config's order: distribution alignment, the
 * temporal references, the add-ons' (AdaPL, IPH), then each algorithm's section. The trainer's core
 * options (configSchema.ts) come before them.
 */
export function registeredOptions(): OptionEntry[] {
  const addOns = [...new Set(Object.values(ADD_ONS).flatMap((a) => [...(a.options ?? [])]))];
  return [
    ...DISTRIBUTION_ALIGNMENT_SECTION.options, ...REFERENCE_OPTIONS, ...addOns,
    ...registeredConfigSections().flatMap((s) => [...s.options]),
  ];
}

/** A method resolved against a config: the components one step runs, and every state they carry. */
export interface MethodRecipe {
  name: string;
  algorithm: Algorithm;
  addOn?: string;
  /** False for 'supervised'. */
  unlabeled: boolean;
  alignment?: Alignment;
  masker: Masker;
  targets: TargetBuilder;
  terms: readonly ExtraTerm[];
  /** The temporal reference, when the targets or a term read it. */
  reference?: ReferenceSource;
  /** Every active component state, keys unique. */
  states: ComponentState<unknown>[];
  /** The step-context needs the components declared, each with the first component that declared it. */
  needs: Partial<Record<ContextNeed, string>>;
}

/** Splits a method name into its algorithm and add-on; throws a plain Error naming the valid names. */
export function parseMethodName(name: string): { algorithm: Algorithm; addOn?: AddOnName } {
  const long = Object.entries(SHORT_NAMES).find(([, short]) => short === name)?.[0] ?? name;
  const [base, addOn, ...rest] = long.split('+');
  const algorithm = isAlgorithmName(base) ? ALGORITHMS[base] : undefined;
  const ok = algorithm !== undefined && rest.length === 0 && (addOn === undefined || (algorithm.unlabeled && isAddOnName(addOn)));
  if (!ok) throw new Error(`unknown method '${name}'; methods: ${methodNames().join(', ')}`);
  return { algorithm, addOn: addOn as AddOnName | undefined };
}

/** Whether `name` is a key of ALGORITHMS. */
export function isAlgorithmName(name: string): name is AlgorithmName {
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, name);
}

/** Whether `name` is a key of ADD_ONS. */
export function isAddOnName(name: string): name is AddOnName {
  return Object.prototype.hasOwnProperty.call(ADD_ONS, name);
}

/** The last recipe resolved for a config object, with the config's JSON then (a changed config resolves again). */
const resolvedRecipes = new WeakMap<TrainerConfig, { json: string; recipe: MethodRecipe }>();

/**
 * The components of `config.method` under `config` (alignment, masker, targets, terms, reference) and their states.
 * Resolved once per config: another call with the same, unchanged config object returns the same recipe
 * (resolveTrainerConfig's check and the trainer share it).
 */
export function resolveMethod(config: TrainerConfig): MethodRecipe {
  const json = JSON.stringify(config);
  const known = config !== null && typeof config === 'object' ? resolvedRecipes.get(config) : undefined;
  if (known !== undefined && known.json === json) return known.recipe;
  const recipe = resolveRecipe(config);
  resolvedRecipes.set(config, { json, recipe });
  return recipe;
}

function resolveRecipe(config: TrainerConfig): MethodRecipe {
  const { algorithm, addOn } = parseMethodName(config.method);
  const extra = addOn === undefined ? undefined : ADD_ONS[addOn];
  if (extra?.targets !== undefined && algorithm.targets !== undefined) {
    // two producers of targets: never pick one silently
    throw new Error(`method '${config.method}': algorithm '${algorithm.name}' and add-on '${addOn}' both produce the unlabeled targets; ` +
      'combine them in one TargetBuilder or register the combination as its own algorithm');
  }
  const targets = extra?.targets ?? algorithm.targets ?? hardTargets;
  const adaplUnmasked = targets === adaplTargets && config.adapl.mask === 'none';
  const masker = adaplUnmasked ? everySample : (algorithm.masker ?? everySample);
  const terms = [...(algorithm.terms ?? []), ...(extra?.terms ?? [])];
  const own = algorithm.alignment ?? 'config';
  const configured = config.distributionAlignment.enabled ? queueAlignment : undefined;
  const alignment = !algorithm.unlabeled || own === 'none' ? undefined
    : own === 'config' ? configured
      : (own.enabled?.(config) ?? true) ? own : undefined;
  const needs: Partial<Record<ContextNeed, string>> = {};
  for (const component of [alignment, masker, targets, ...terms]) for (const need of component?.needs ?? []) needs[need] ??= component?.name;
  if (needs.unlabeledIds !== undefined && !(config.memory.numSamples > 0)) {
    throw new Error(`method '${config.method}': component '${needs.unlabeledIds}' needs unlabeled sample ids: set memory.numSamples (the size of the unlabeled index space)`);
  }
  const needsReference = targets.usesReference || terms.some((t) => t.usesReferenceModel) || needs.referenceModel !== undefined;
  const reference = algorithm.unlabeled && needsReference ? REFERENCE_SOURCES[config.reference] : undefined;
  const states = [alignment?.state, masker.state, ...terms.map((t) => t.state), reference?.state]
    .filter((s): s is ComponentState<unknown> => s !== undefined);
  const keys = states.map((s) => s.key);
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate !== undefined) throw new Error(`method '${config.method}': two components keep state under '${duplicate}'`);
  return {
    name: config.method, algorithm, addOn, unlabeled: algorithm.unlabeled,
    alignment, masker, targets, terms, reference, states, needs,
  };
}
