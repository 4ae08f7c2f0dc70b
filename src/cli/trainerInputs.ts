import type * as tf from '@tensorflow/tfjs';
import { classPriorOf } from '../data/classPrior';
import { evaluationBatches, labeledBatches, unlabeledBatches } from '../data/batchSource';
import { deriveSeed } from '../state/random';
import { describeMethod } from '../training/algorithms/registry';
import type { TrainerCallbacks } from '../training/callbacks';
import type { TrainerConfigInput } from '../training/config';
import type { TrainerSetup } from '../training/trainer';
import type { PreparedData } from './prepareData';
import { augmentations } from './runRecipe';
import { TRAIN_OPTIONS, type TrainSettings } from './trainOptions';

/**
 * What `tear-ssl train` hands the trainer, without I/O (the browser page in web/ builds the same run):
 * the config of the settings and the data streams, augmentations and preprocessing.
 */

/** Seed purposes for the batch streams, kept apart from the trainer's own deriveSeed(seed, step, purpose). */
export const STREAM_SEED = { labeled: 0x1abe1, unlabeled: 0x0b1abe1 } as const;
/** Images per evaluation batch. */
export const EVAL_BATCH = 256;

/** The trainer's data sources, augmentations and preprocessing for a prepared data set. */
export function trainerSetup(
  settings: TrainSettings, data: PreparedData, model: tf.LayersModel,
  preprocess: ((x: tf.Tensor4D) => tf.Tensor4D) | undefined, callbacks: TrainerCallbacks | TrainerCallbacks[],
): TrainerSetup {
  const { batchSize, mu, seed } = settings;
  const augment = augmentations(settings.dataset);
  const setup: TrainerSetup = {
    model,
    labeled: (startStep: number) => labeledBatches(data.labeled.dataset, data.labeled.indices, batchSize, { seed: deriveSeed(seed, STREAM_SEED.labeled), startStep }),
    weakAugment: augment.weak,
    strongAugment: augment.strong,
    preprocess,
    callbacks,
  };
  if (describeMethod(settings.method).unlabeled) {
    setup.unlabeled = (startStep: number) => unlabeledBatches(data.unlabeled.dataset, data.unlabeled.indices, mu * batchSize,
      { seed: deriveSeed(seed, STREAM_SEED.unlabeled), startStep, withHiddenLabels: true });
  }
  if (data.validation.indices.length > 0) setup.validation = () => evaluationBatches(data.validation.dataset, data.validation.indices, EVAL_BATCH);
  return setup;
}

/**
 * The trainer config of the CLI settings: each option with a `config` path in TRAIN_OPTIONS is written
 * there; options left undefined take the trainer's defaults. The data gives numClasses, memory.numSamples
 * and, for --da-target labeled or --supervised-loss logit-adjusted, classPrior (the labeled split's class marginal).
 */
export function trainerConfig(settings: TrainSettings, data: Pick<PreparedData, 'numClasses' | 'unlabeled' | 'labeled'>): TrainerConfigInput {
  const config: Record<string, unknown> = { numClasses: data.numClasses };
  for (const spec of TRAIN_OPTIONS) {
    const value = (settings as unknown as Record<string, unknown>)[spec.key];
    if (spec.config === undefined || value === undefined) continue;
    const path = spec.config.split('.');
    let node = config;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = value;
  }
  // π from the labeled split, only where a component reads it (so other configs stay as they were)
  const daTargetsLabeled = settings.daTarget === 'labeled' && settings.distributionAlignment !== false;
  if (daTargetsLabeled || settings.supervisedLoss === 'logit-adjusted') {
    const labels = Int32Array.from(data.labeled.indices, (i) => data.labeled.dataset.labels[i]);
    config.classPrior = classPriorOf(labels, data.numClasses);
  }
  if (settings.reference === 'memory' || describeMethod(settings.method).usesSampleIds) {
    config.memory = { numSamples: data.unlabeled.dataset.labels.length };
  }
  return config as TrainerConfigInput;
}
