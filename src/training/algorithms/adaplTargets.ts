import * as tf from '@tensorflow/tfjs';
import { adaplWeights } from '../../math/adaplWeights';
import { lossEstimate } from '../../math/estimators';
import { relaxPseudoLabels } from '../../math/relaxPseudoLabels';
import { check } from '../../util/checks';
import { stopGradient } from '../../util/numerics';
import type { TargetBuilder } from './types';

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
