import * as tf from '@tensorflow/tfjs';
import { oneHotPseudoLabels } from '../../math/pseudoLabels';
import { stopGradient } from '../../util/numerics';
import type { TargetBuilder } from './types';

/** FixMatch's hard targets t_b = onehot(ŷ_b). */
export const hardTargets: TargetBuilder = {
  name: 'hard',
  usesReference: false,
  targets: (_step, probs, pseudoLabels) => tf.tidy(() => ({ targets: stopGradient(oneHotPseudoLabels(pseudoLabels, probs.shape[1])) })),
};
