import * as tf from '@tensorflow/tfjs';
import { ADAPL_MASKS } from '../../math/adaplLoss';
import { adaplWeights } from '../../math/adaplWeights';
import { ADAPL_ESTIMATORS, lossEstimate } from '../../math/estimators';
import { ESTIMATOR_DISTANCES } from '../../math/lossEstimator';
import { RELAX_SPREADS, relaxPseudoLabels } from '../../math/relaxPseudoLabels';
import { check } from '../../util/checks';
import { stopGradient } from '../../util/numerics';
import type { TrainerConfig } from '../configTypes';
import { defineSection } from '../optionSchema';
import type { TargetBuilder } from './types';

/** The AdaPL add-on's options (config section `adapl`). */
export const ADAPL_SECTION = defineSection<TrainerConfig['adapl']>('adapl', 'AdaPL (add-on)', {
  gamma: { kind: { type: 'number', min: 0, minOpen: true }, default: 1, help: 'AdaPL sigmoid temperature γ of the confidence weights w = 1 − (1 − w_min)(2σ(γL̂) − 1)',
    cli: { flag: 'adapl-gamma', key: 'adaplGamma', valueName: 'G' } },
  wMin: { kind: { type: 'number', min: 0, max: 1 }, default: 0.5, help: 'AdaPL minimum weight w_min', cli: { flag: 'adapl-w-min', key: 'adaplWMin', valueName: 'W' } },
  distance: { kind: { type: 'enum', values: ESTIMATOR_DISTANCES }, default: 'kl', help: `loss estimator distance D of L̂ = D(p̃, p) + e·H(p̃): ${ESTIMATOR_DISTANCES.join(', ')}`,
    cli: { flag: 'distance', key: 'distance', valueName: 'D' } },
  entropy: { kind: { type: 'boolean' }, default: true, help: 'add the entropy term e·H(p̃) to the loss estimator (--no-entropy to drop it)', cli: { flag: 'entropy', key: 'entropy' } },
  spread: { kind: { type: 'enum', values: RELAX_SPREADS }, default: 'uniform', help: 'where the relaxed label puts its remaining mass: uniform, or reference (∝ p̃)' },
  mask: { kind: { type: 'enum', values: ADAPL_MASKS }, default: 'threshold', help: 'threshold (FixMatch\'s mask) or none' },
  estimator: { kind: { type: 'enum', values: ADAPL_ESTIMATORS }, default: 'temporal',
    help: 'AdaPL loss estimator: temporal (D(p̃,p) + H(p̃), default), ensemble (−log ½(p̃+p)_ŷ) or confidence (−log max p), docs/method.md',
    cli: { flag: 'adapl-estimator', key: 'adaplEstimator', valueName: 'E' } },
});

/**
 * AdaPL's relaxed targets (TEAR spec §3): L̂ = lossEstimate(p̃, q) with q the student's probabilities before
 * alignment and the estimator named by `adapl.estimator` (LOSS_ESTIMATORS), w = adaplWeights(L̂), t = relaxPseudoLabels(ŷ, w). Options: config.adapl.
 */
export const adaplTargets: TargetBuilder = {
  name: 'adapl',
  usesReference: true,
  targets: ({ config, studentProbs }, probs, pseudoLabels, referenceProbs) => {
    check(referenceProbs !== undefined, 'adaplTargets', () => 'needs the reference probabilities p̃');
    const { distance, entropy, gamma, wMin, spread, estimator } = config.adapl;
    return tf.tidy(() => {
      const estimates = stopGradient(lossEstimate({ referenceProbs, studentProbs }, { estimator, distance, entropy }));
      const weights = stopGradient(adaplWeights({ estimates }, { gamma, wMin }));
      const targets = stopGradient(relaxPseudoLabels({ pseudoLabels, weights, referenceProbs }, { numClasses: probs.shape[1], spread }));
      return { targets, estimates };
    });
  },
};
