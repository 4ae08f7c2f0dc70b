import {
  alignDistribution, distributionAlignmentFromJSON, distributionAlignmentInit, distributionAlignmentToJSON,
  distributionAlignmentUpdate, type DistributionAlignmentJSON, type DistributionAlignmentState,
} from '../../state/distributionAlignment';
import * as tf from '@tensorflow/tfjs';
import { check } from '../../util/checks';
import { DA_TARGETS, type TrainerConfig } from '../configTypes';
import { defineSection } from '../optionSchema';
import type { Alignment, ComponentState } from './types';

/** The options of the DA queue (config section `distributionAlignment`). */
export const DISTRIBUTION_ALIGNMENT_SECTION = defineSection<TrainerConfig['distributionAlignment']>('distributionAlignment', 'distribution alignment', {
  enabled: { kind: { type: 'boolean' }, default: true, help: 'distribution alignment of the weak probabilities (--no-distribution-alignment to turn off)',
    cli: { flag: 'distribution-alignment', key: 'distributionAlignment' } },
  capacity: { kind: { type: 'int', min: 1 }, default: 32, help: 'batch means the DA FIFO holds (the new mean is pushed first, then the batch is aligned)' },
  target: { kind: { type: 'enum', values: DA_TARGETS }, default: 'uniform',
    help: 'distribution-alignment target: uniform (q̂ ∝ q / mean(queue), the TEAR release\'s) or labeled (q̂ ∝ q · π / mean(queue), π = classPrior, ReMixMatch)',
    cli: { flag: 'da-target', key: 'daTarget', valueName: 'T' } },
});

const state: ComponentState<DistributionAlignmentState> = {
  key: 'distributionAlignment',
  init: ({ config }) => distributionAlignmentInit(config.numClasses, { capacity: config.distributionAlignment.capacity }),
  toJSON: (s) => distributionAlignmentToJSON(s),
  fromJSON: (json, { config }) => {
    check(json !== null && json !== undefined, 'checkpoint', () => 'is missing the distribution-alignment queue');
    const s = distributionAlignmentFromJSON(json as DistributionAlignmentJSON);
    check(s.numClasses === config.numClasses && s.capacity === config.distributionAlignment.capacity, 'checkpoint', () =>
      `distribution-alignment queue has ${s.numClasses} classes and capacity ${s.capacity}, the config ${config.numClasses} and ${config.distributionAlignment.capacity}`);
    return s;
  },
};

/**
 * ReMixMatch's distribution alignment as the TEAR release runs it: push mean_b q_b into a FIFO of the
 * last `distributionAlignment.capacity` batch means, then q̂ = normalise(q / mean(queue)) (target
 * 'uniform', the release's), or q̂ = normalise(q · π / mean(queue)) with π = `config.classPrior`
 * (target 'labeled', ReMixMatch's: pseudo labels keep the labeled class marginal instead of being
 * pulled towards uniform).
 */
export const queueAlignment: Alignment<DistributionAlignmentState> = {
  name: 'queue',
  state,
  align: ({ config }, probs, s) => {
    const next = distributionAlignmentUpdate(s, probs);
    if (config.distributionAlignment.target === 'uniform') return { probs: alignDistribution(next, probs), state: next };
    const target = tf.tensor1d(config.classPrior as number[]);
    const aligned = alignDistribution(next, probs, { target });
    target.dispose();
    return { probs: aligned, state: next };
  },
};
