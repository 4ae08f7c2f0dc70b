import * as tf from '@tensorflow/tfjs';
import { confidenceMask, hardPseudoLabels } from '../../math/pseudoLabels';
import { stopGradient } from '../../util/numerics';
import type { Masker } from './types';

/** FixMatch (Sohn et al., NeurIPS 2020, eq. 4): ŷ = argmax q̂, m_b = [max_c q̂_b,c ≥ τ] with τ = config.threshold. Stateless. */
export const fixedThreshold: Masker<undefined> = {
  name: 'fixed-threshold',
  mask: ({ config }, probs) => tf.tidy(() => ({
    mask: stopGradient(confidenceMask({ probs }, { threshold: config.threshold })), pseudoLabels: hardPseudoLabels(probs).labels,
  })),
};

/** Every sample counts with weight 1 (AdaPL's `mask: 'none'`): ŷ = argmax q̂, m = 1. */
export const everySample: Masker<undefined> = {
  name: 'every-sample',
  mask: (_step, probs) => tf.tidy(() => ({
    mask: stopGradient(tf.ones([probs.shape[0]]) as tf.Tensor1D), pseudoLabels: hardPseudoLabels(probs).labels,
  })),
};
