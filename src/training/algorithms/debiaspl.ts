import { debiasProbabilities, marginalAdjustedLogits } from '../../math/debiasPseudoLabels';
import {
  marginalPredictionFromJSON, marginalPredictionInit, marginalPredictionToJSON, marginalPredictionUpdate,
  type MarginalPredictionJSON, type MarginalPredictionState,
} from '../../state/marginalPrediction';
import { check } from '../../util/checks';
import { detach } from '../../util/numerics';
import { defineSection } from '../optionSchema';
import { fixedThreshold } from './fixedThreshold';
import type { Algorithm, Alignment, ComponentState } from './types';

/** DebiasPL's options (config section `debiaspl`). */
export interface DebiasplOptions {
  /** λ of the debiasing and of the marginal loss (DebiasPL's τ; default 0.4, USB's; the authors' code uses 0.5 on ImageNet). */
  lambda: number;
  /** Momentum m of the marginal estimate p̄ (default 0.999). */
  momentum: number;
}

const section = defineSection<DebiasplOptions>('debiaspl', 'DebiasPL', {
  lambda: { kind: { type: 'number', min: 0 }, default: 0.4,
    help: 'DebiasPL λ of the debiasing and of the adaptive marginal loss', cli: { flag: 'debiaspl-lambda', key: 'debiasplLambda', valueName: 'L' } },
  momentum: { kind: { type: 'number', min: 0, max: 1, maxOpen: true }, default: 0.999,
    help: 'DebiasPL momentum of the marginal estimate p̄', cli: { flag: 'debiaspl-momentum', key: 'debiasplMomentum', valueName: 'M' } },
});

const options = section.read;

const state: ComponentState<MarginalPredictionState> = {
  key: 'debiaspl',
  init: ({ config }) => marginalPredictionInit(config.numClasses),
  toJSON: (s) => marginalPredictionToJSON(s),
  fromJSON: (json, { config }) => {
    check(json !== null && json !== undefined, 'checkpoint', () => 'is missing the DebiasPL marginal estimate');
    return marginalPredictionFromJSON(json as MarginalPredictionJSON, config.numClasses);
  },
};

/**
 * Adaptive debiasing (Wang et al., CVPR 2022, eq. 4–5, in the order of the authors' code): pseudo labels
 * from p̂ = softmax(z − λ·log p̄) with the estimate p̄ before this step, then p̄ ← m·p̄ + (1−m)·mean_b q_b
 * from the raw weak-view probabilities q. Replaces distribution alignment.
 */
export const debiasAlignment: Alignment<MarginalPredictionState> = {
  name: 'debias',
  state,
  align: ({ config }, probs, s) => {
    const { lambda, momentum } = options(config);
    const raw = detach(probs);
    return { probs: debiasProbabilities({ probs: raw, marginal: s.marginal }, { lambda }), state: marginalPredictionUpdate(s, raw, { momentum }) };
  },
};

/**
 * DebiasPL (Wang et al., "Debiased Learning from Naturally Imbalanced Pseudo-Labels", CVPR 2022): FixMatch
 * whose pseudo labels are debiased by a momentum estimate p̄ of the mean prediction, and whose unlabeled
 * loss is the adaptive marginal loss H(ŷ, softmax(z_strong + λ·log p̄)) with the updated p̄.
 */
export const debiaspl: Algorithm = {
  name: 'debiaspl',
  description: 'DebiasPL: pseudo labels debiased by a momentum estimate of the mean prediction, adaptive marginal loss',
  reference: 'Wang et al., CVPR 2022',
  unlabeled: true,
  alignment: debiasAlignment as Alignment,
  masker: fixedThreshold,
  strongLogits: (step, logits, states) => {
    const s = states[state.key] as MarginalPredictionState;
    return marginalAdjustedLogits({ logits, marginal: s.marginal }, { lambda: options(step.config).lambda });
  },
  config: section,
};
