import type { TrainerConfigInput } from '../training/config';
import type { PreparedData } from './prepareData';
import { TRAIN_OPTIONS, type TrainSettings } from './trainOptions';

/**
 * The trainer config of the CLI settings: each option with a `config` path in TRAIN_OPTIONS is written
 * there; options left undefined take the trainer's defaults. The data gives numClasses and memory.numSamples.
 */
export function trainerConfig(settings: TrainSettings, data: Pick<PreparedData, 'numClasses' | 'unlabeled'>): TrainerConfigInput {
  const config: Record<string, unknown> = { numClasses: data.numClasses };
  for (const spec of TRAIN_OPTIONS) {
    const value = (settings as unknown as Record<string, unknown>)[spec.key];
    if (spec.config === undefined || value === undefined) continue;
    const path = spec.config.split('.');
    let node = config;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = value;
  }
  if (settings.reference === 'memory') config.memory = { numSamples: data.unlabeled.dataset.labels.length };
  return config as TrainerConfigInput;
}
