import * as tf from '@tensorflow/tfjs';
import { adaplWeights } from '../../math/adaplWeights';
import { ensembleLossEstimate } from '../../math/ensembleLossEstimate';
import { estimateUnlabeledLoss } from '../../math/lossEstimator';
import { relaxPseudoLabels } from '../../math/relaxPseudoLabels';
import { check } from '../../util/checks';
import { stopGradient } from '../../util/numerics';
import type { TargetBuilder } from './types';

/**
 * AdaPL's relaxed targets (TEAR spec §3): L̂ = estimateUnlabeledLoss(p̃, q) with q the student's
 * probabilities before alignment (or ensembleLossEstimate with `adapl.estimator: 'ensemble'`, α = 0 with 'confidence'), w = adaplWeights(L̂), t = relaxPseudoLabels(ŷ, w). Options: config.adapl.
 */
export const adaplTargets: TargetBuilder = {
  name: 'adapl',
  usesReference: true,
  targets: ({ config, studentProbs }, probs, pseudoLabels, referenceProbs) => {
    check(referenceProbs !== undefined, 'adaplTargets', () => 'needs the reference probabilities p̃');
    const { distance, entropy, gamma, wMin, spread, estimator } = config.adapl;
    return tf.tidy(() => {
      const estimates = stopGradient(estimator === 'temporal'
        ? estimateUnlabeledLoss({ referenceProbs, studentProbs }, { distance, entropy })
        // 'confidence' is the ensemble with reference weight 0: −log max p
        : ensembleLossEstimate({ referenceProbs, studentProbs }, { referenceWeight: estimator === 'confidence' ? 0 : 0.5 }));
      const weights = stopGradient(adaplWeights(estimates, { gamma, wMin }));
      const targets = stopGradient(relaxPseudoLabels(pseudoLabels, weights, probs.shape[1], { spread, referenceProbs }));
      return { targets, estimates };
    });
  },
};
