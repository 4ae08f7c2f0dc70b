import { ADAPL_MASKS } from '../math/adaplLoss';
import { ADAPL_ESTIMATORS } from '../math/estimators';
import { IPH_REFERENCES } from '../math/iphLoss';
import { ESTIMATOR_DISTANCES } from '../math/lossEstimator';
import { RELAX_SPREADS } from '../math/relaxPseudoLabels';
import { check, checkNumber, checkOneOf } from '../util/checks';
import { canonicalMethodName, methodNames, parseMethodName, registeredConfigSections, resolveMethod, type MethodName } from './algorithms/registry';
import { DA_TARGETS, REFERENCES, SUPERVISED_LOSSES, type DeepPartial, type TrainerConfig } from './configTypes';
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
/** The defaults (the TEAR release's where it has one; see docs/trainer.md). */
export function defaultTrainerConfig(numClasses: number, totalSteps: number): TrainerConfig {
  const config: TrainerConfig = {
    method: 'tear', numClasses, totalSteps, seed: 0,
    learningRate: 0.03, schedule: 'cosine', warmupSteps: 0, cosineCycles: 7 / 16,
    optimizer: resolveOptimizerConfig(), clipGradients: 1,
    threshold: 0.95, lambdaU: 1, lambdaIph: 0.1,
    distributionAlignment: { enabled: true, capacity: 32, target: 'uniform' },
    supervisedLoss: { kind: 'cross-entropy', tau: 1 },
    classPrior: null,
    ema: { momentum: 0.999, warmup: false },
    reference: 'ema',
    adapl: { gamma: 1, wMin: 0.5, distance: 'kl', entropy: true, spread: 'uniform', mask: 'threshold', estimator: 'temporal' },
    memory: { numSamples: 0, momentum: 0.6 },
    iph: { numClusters: numClasses, reference: 'prediction', kmeans: { restarts: 3, maxIterations: 20, tolerance: 1e-4 } },
    evalEvery: 0,
  };
  return Object.assign(config, Object.fromEntries(registeredConfigSections().map((s) => [s.key, s.defaults(numClasses)])));
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

/** Fills defaults and checks every field; errors name the option (`tear-ssl.SemiSupervisedTrainer: option 'adapl.gamma' …`). */
export function resolveTrainerConfig(input: TrainerConfigInput): TrainerConfig {
  const fn = 'SemiSupervisedTrainer';
  check(input !== null && typeof input === 'object', fn, () => 'option \'config\' must be an object');
  checkNumber(input.numClasses, 'numClasses', fn, { min: 2, integer: true });
  checkNumber(input.totalSteps, 'totalSteps', fn, { min: 1, integer: true });
  const known = new Set(Object.keys(defaultTrainerConfig(2, 1)));
  for (const k of Object.keys(input)) check(known.has(k), fn, () => `unknown config option '${k}'`);
  const c = merge(defaultTrainerConfig(input.numClasses, input.totalSteps), input);
  if (input.iph?.numClusters === undefined) c.iph.numClusters = c.numClasses;
  c.optimizer = resolveOptimizerConfig(c.optimizer);
  check(typeof c.method === 'string', fn, () => `option 'method' must be a string, got ${String(c.method)}`);
  try {
    parseMethodName(c.method);
  } catch (e) {
    check(false, fn, () => `option 'method': ${(e as Error).message}`);
  }
  c.method = canonicalMethodName(c.method);
  checkNumber(c.seed, 'seed', fn, { min: 0, max: 2 ** 32 - 1, integer: true });
  checkNumber(c.learningRate, 'learningRate', fn, { min: 0 });
  checkOneOf(c.schedule, ['cosine', 'constant'] as const, 'schedule', fn);
  checkNumber(c.warmupSteps, 'warmupSteps', fn, { min: 0, max: c.totalSteps, maxOpen: true, integer: true });
  checkNumber(c.cosineCycles, 'cosineCycles', fn, { min: 0 });
  if (c.clipGradients !== null) checkNumber(c.clipGradients, 'clipGradients', fn, { min: 0, minOpen: true });
  checkNumber(c.threshold, 'threshold', fn, { min: 0, max: 1 });
  checkNumber(c.lambdaU, 'lambdaU', fn, { min: 0 });
  checkNumber(c.lambdaIph, 'lambdaIph', fn, { min: 0 });
  check(typeof c.distributionAlignment.enabled === 'boolean', fn, () => 'option \'distributionAlignment.enabled\' must be a boolean');
  checkNumber(c.distributionAlignment.capacity, 'distributionAlignment.capacity', fn, { min: 1, integer: true });
  checkOneOf(c.distributionAlignment.target, DA_TARGETS, 'distributionAlignment.target', fn);
  checkOneOf(c.supervisedLoss.kind, SUPERVISED_LOSSES, 'supervisedLoss.kind', fn);
  checkNumber(c.supervisedLoss.tau, 'supervisedLoss.tau', fn, { min: 0 });
  if (c.classPrior !== null) {
    const prior = c.classPrior;
    check(Array.isArray(prior) && prior.length === c.numClasses, fn, () =>
      `option 'classPrior' must be an array of ${c.numClasses} class probabilities, got ${Array.isArray(prior) ? `${prior.length} entries` : JSON.stringify(prior)}`);
    prior.forEach((p, i) => check(typeof p === 'number' && Number.isFinite(p) && p > 0, fn, () => `option 'classPrior[${i}]' must be a number > 0, got ${String(p)}`));
    const total = prior.reduce((a, b) => a + b, 0);
    check(Math.abs(total - 1) <= 1e-6, fn, () => `option 'classPrior' must sum to 1, sums to ${total}`);
  }
  const needsPrior = [
    c.distributionAlignment.enabled && c.distributionAlignment.target === 'labeled' ? 'distributionAlignment.target \'labeled\'' : undefined,
    c.supervisedLoss.kind === 'logit-adjusted' ? 'supervisedLoss.kind \'logit-adjusted\'' : undefined,
  ].filter((x): x is string => x !== undefined);
  check(needsPrior.length === 0 || c.classPrior !== null, fn, () =>
    `option ${needsPrior.join(' and ')} needs option 'classPrior' (the labeled set's class marginal, e.g. classPriorOf(labels, numClasses))`);
  checkNumber(c.ema.momentum, 'ema.momentum', fn, { min: 0, max: 1 });
  check(typeof c.ema.warmup === 'boolean', fn, () => 'option \'ema.warmup\' must be a boolean');
  checkOneOf(c.reference, REFERENCES, 'reference', fn);
  checkNumber(c.adapl.gamma, 'adapl.gamma', fn, { min: 0, minOpen: true });
  checkNumber(c.adapl.wMin, 'adapl.wMin', fn, { min: 0, max: 1 });
  checkOneOf(c.adapl.distance, ESTIMATOR_DISTANCES, 'adapl.distance', fn);
  check(typeof c.adapl.entropy === 'boolean', fn, () => 'option \'adapl.entropy\' must be a boolean');
  checkOneOf(c.adapl.spread, RELAX_SPREADS, 'adapl.spread', fn);
  checkOneOf(c.adapl.mask, ADAPL_MASKS, 'adapl.mask', fn);
  checkOneOf(c.adapl.estimator, ADAPL_ESTIMATORS, 'adapl.estimator', fn);
  checkNumber(c.memory.momentum, 'memory.momentum', fn, { min: 0, max: 1, maxOpen: true });
  checkNumber(c.memory.numSamples, 'memory.numSamples', fn, { min: 0, integer: true });
  checkNumber(c.iph.numClusters, 'iph.numClusters', fn, { min: 1, integer: true });
  checkOneOf(c.iph.reference, IPH_REFERENCES, 'iph.reference', fn);
  checkNumber(c.iph.kmeans.restarts, 'iph.kmeans.restarts', fn, { min: 1, integer: true });
  checkNumber(c.iph.kmeans.maxIterations, 'iph.kmeans.maxIterations', fn, { min: 1, integer: true });
  checkNumber(c.iph.kmeans.tolerance, 'iph.kmeans.tolerance', fn, { min: 0 });
  checkNumber(c.evalEvery, 'evalEvery', fn, { min: 0, integer: true });
  for (const section of registeredConfigSections()) {
    const value = (c as unknown as Record<string, unknown>)[section.key];
    check(value !== null && typeof value === 'object', fn, () => `option '${section.key}' must be an object`);
    section.check(value, fn);
  }
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
