import { METHOD_ALIASES, methodNames } from './algorithms/registry';
import { SUPERVISED_LOSSES } from './configTypes';
import { DEFAULT_OPTIMIZER } from './optimizer';
import type { OptionEntry } from './optionSchema';

/**
 * The trainer's own options (the step, the schedule, the optimizer, the loss weights, the supervised
 * loss): the option schema's core section. Components declare theirs next to their code (distribution
 * alignment, references, the AdaPL and IPH add-ons, each algorithm), and the registry collects them.
 */
const core = (section: string, entries: ReadonlyArray<Omit<OptionEntry, 'section'>>): OptionEntry[] => entries.map((e) => ({ ...e, section }));

/**
 * The method option: its values are read from the registry when called (a test may register an
 * algorithm at run time; the registry's table is a plain object).
 */
export function methodOption(): OptionEntry {
  return {
    path: 'method', section: 'core', kind: { type: 'enum', values: methodNames(), aliases: METHOD_ALIASES }, default: 'tear',
    help: 'training method: an algorithm of the registry alone or with +adapl, +iph, +tear (see "Methods")', cli: { flag: 'method', key: 'method', valueName: 'NAME' },
  };
}

/** The core options after `method`, in the config's key order. */
export const CORE_OPTIONS: readonly OptionEntry[] = [
  ...core('core', [
    { path: 'numClasses', kind: { type: 'int', min: 2 }, help: 'C, the number of classes (the CLI reads it from the data)' },
    { path: 'totalSteps', kind: { type: 'int', min: 1 }, help: 'K, the length of the schedule; run() stops here', cli: { flag: 'steps', key: 'steps', valueName: 'K' } },
    { path: 'seed', kind: { type: 'int', min: 0, max: 2 ** 32 - 1 }, default: 0, help: 'random seed (splits, weights, batches, augmentations)', cli: { flag: 'seed', key: 'seed', valueName: 'S' } },
    { path: 'learningRate', kind: { type: 'number', min: 0, minOpen: true }, default: 0.03, help: 'learning rate (cosine-decayed: lr·cos(7πk/16K))', cli: { flag: 'lr', key: 'lr', valueName: 'LR' } },
    { path: 'schedule', kind: { type: 'enum', values: ['cosine', 'constant'] }, default: 'cosine', help: 'learning-rate schedule: cosine lr·cos(7πk/(16K)), or constant lr' },
    { path: 'warmupSteps', kind: { type: 'int', min: 0 }, default: 0, help: 'W < K linear warm-up steps lr·k/W, then the cosine over the remaining K − W' },
    { path: 'cosineCycles', kind: { type: 'number', min: 0 }, default: 7 / 16, defaultText: '7/16', help: 'the 7/16 of the cosine' },
  ]),
  ...core('optimizer', [
    { path: 'optimizer.type', kind: { type: 'enum', values: ['sgd', 'adam', 'adamw'] }, default: DEFAULT_OPTIMIZER.type, help: 'sgd, adam (L2 decay added to the gradient) or adamw (decoupled decay)' },
    { path: 'optimizer.momentum', kind: { type: 'number', min: 0, max: 1, maxOpen: true }, default: DEFAULT_OPTIMIZER.momentum, help: 'SGD momentum (PyTorch semantics)' },
    { path: 'optimizer.nesterov', kind: { type: 'boolean' }, default: DEFAULT_OPTIMIZER.nesterov, help: 'Nesterov momentum for SGD, as in the release' },
    { path: 'optimizer.beta1', kind: { type: 'number', min: 0, max: 1, maxOpen: true }, default: DEFAULT_OPTIMIZER.beta1, help: 'Adam β1' },
    { path: 'optimizer.beta2', kind: { type: 'number', min: 0, max: 1, maxOpen: true }, default: DEFAULT_OPTIMIZER.beta2, help: 'Adam β2' },
    { path: 'optimizer.epsilon', kind: { type: 'number', min: 0, minOpen: true }, default: DEFAULT_OPTIMIZER.epsilon, help: 'Adam ε' },
    { path: 'optimizer.weightDecay', kind: { type: 'number', min: 0 }, default: DEFAULT_OPTIMIZER.weightDecay,
      help: 'weight decay (not on batch-norm parameters)', cli: { flag: 'weight-decay', key: 'weightDecay', valueName: 'WD' } },
  ]),
  ...core('core', [
    { path: 'clipGradients', kind: { type: 'number', min: 0, minOpen: true, nullable: true }, default: 1, help: 'gradient values clipped to ±c before weight decay (the release: ±1); null: no clipping' },
    { path: 'threshold', kind: { type: 'number', min: 0, max: 1 }, default: 0.95,
      help: 'confidence threshold τ for pseudo labels (0 keeps every pseudo label)', cli: { flag: 'threshold', key: 'threshold', valueName: 'TAU' } },
    { path: 'lambdaU', kind: { type: 'number', min: 0 }, default: 1, help: 'weight λ_u of the unlabeled loss', cli: { flag: 'lambda-u', key: 'lambdaU', valueName: 'W' } },
    { path: 'lambdaIph', kind: { type: 'number', min: 0 }, default: 0.1, help: 'weight λ_IPH of the IPH loss', cli: { flag: 'lambda-iph', key: 'lambdaIph', valueName: 'W' } },
  ]),
];

/** The supervised loss and the class prior it and DA's 'labeled' target read. */
export const SUPERVISED_OPTIONS: readonly OptionEntry[] = core('supervised loss', [
  { path: 'supervisedLoss.kind', kind: { type: 'enum', values: SUPERVISED_LOSSES }, default: 'cross-entropy',
    help: 'supervised loss: cross-entropy, or logit-adjusted (CE of z + τ·log π with the labeled class prior π, Menon et al. 2021)',
    cli: { flag: 'supervised-loss', key: 'supervisedLoss', valueName: 'L' } },
  { path: 'supervisedLoss.tau', kind: { type: 'number', min: 0 }, default: 1, help: 'τ of the logit-adjusted supervised loss',
    cli: { flag: 'logit-adjustment-tau', key: 'logitAdjustmentTau', valueName: 'TAU' } },
  { path: 'classPrior', kind: { type: 'distribution' }, default: null,
    help: 'π [C], the labeled set\'s class marginal (entries > 0, sum 1), e.g. classPriorOf(labels, C); needed by DA target labeled and the logit-adjusted loss (the CLI sets it from the labeled split)' },
]);

/** The last core option. */
export const TAIL_OPTIONS: readonly OptionEntry[] = core('core', [
  { path: 'evalEvery', kind: { type: 'int', min: 0 }, default: 0, help: 'evaluate on the validation set every N steps (0: never in the trainer; the CLI: only at the end)',
    cli: { flag: 'eval-every', key: 'evalEvery', valueName: 'N' } },
]);
