import * as tf from '@tensorflow/tfjs';
import { checkInputs, checkOneOf, checkSameDim, check, checkTensor, checkValuesInRange } from '../util/checks';
import { safeLog } from './probabilities';

/** Probabilities in [0, 1], with room for float32 rounding of normalised rows. */
const PROBABILITY_RANGE = { min: 0, max: 1 + 1e-4 };

/** The estimator's distances D(p̃, p) (see LossEstimatorOptions.distance). */
export const ESTIMATOR_DISTANCES = ['kl', 'mse', 'emd'] as const;
/** The distance D(p̃, p) of the temporal loss estimator: KL divergence, mean squared error, or earth mover's distance over the class index. */
export type EstimatorDistance = (typeof ESTIMATOR_DISTANCES)[number];

/** Inputs of estimateUnlabeledLoss: the reference's and the student's probabilities. */
export interface LossEstimatorInputs {
  /** p̃ [U,C]: the earlier model's (EMA / previous / memory) probabilities. */
  referenceProbs: tf.Tensor2D;
  /** p [U,C]: the student's probabilities. */
  studentProbs: tf.Tensor2D;
}

/** Options of estimateUnlabeledLoss: the distance and whether to add the reference's entropy H(p̃). */
export interface LossEstimatorOptions {
  /** D(p̃, p): 'kl' (default) Σ p̃ (log p̃ − log p); 'mse' (1/C) Σ (p̃ − p)²; 'emd' Σ_{c<C} |CDF_p̃(c) − CDF_p(c)|. */
  distance?: EstimatorDistance;
  /** Add e·H(p̃) with e = 1 (default true). */
  entropy?: boolean;
}

/**
 * Temporal loss estimate per unlabeled sample, L̂_b = D(p̃_b, p_b) + e·H(p̃_b).
 * Logs are clamped at 1e-8, so the estimate is finite for any finite input. With the default
 * ('kl', entropy) it is the cross-entropy H(p̃, p) = −Σ p̃ log p: the expected loss −log p_y when y ~ p̃.
 * The KL term alone is clipped at 0 (clamped logs could make it a hair negative).
 * Probabilities outside [0, 1] (a negative entry would make the log clamp hide a wrong estimate) are a
 * TearArgumentError naming the argument and index; this reads two numbers per argument back (one sync).
 * NaN inputs pass the check and give NaN estimates.
 *
 * @param inputs `referenceProbs` p̃ [U,C] (EMA / previous / memory) and `studentProbs` p [U,C].
 * @param options `distance` D: 'kl' (default), 'mse' or 'emd'; `entropy` e: add H(p̃) (default true).
 * @returns L̂ [U], per sample (unreduced).
 * @see TEAR spec §2 (a reconstruction: the release never computes it); docs/method.md §2.
 * @example
 * ```ts
 * const estimates = estimateUnlabeledLoss(
 *   { referenceProbs: tf.tensor2d([[0.5, 0.5]]), studentProbs: tf.tensor2d([[0.5, 0.5]]) },
 *   { distance: 'kl', entropy: true },
 * );   // H(p̃, p) = log 2 = [0.693]
 * ```
 */
export function estimateUnlabeledLoss(inputs: LossEstimatorInputs, options: LossEstimatorOptions = {}): tf.Tensor1D {
  const fn = 'estimateUnlabeledLoss';
  checkInputs(inputs, fn, 'estimateUnlabeledLoss({ referenceProbs, studentProbs }, { distance, entropy })');
  const { referenceProbs, studentProbs } = inputs;
  checkTensor(referenceProbs, 'referenceProbs', fn, { rank: 2, dtype: 'float32' });
  checkTensor(studentProbs, 'studentProbs', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(referenceProbs, 'referenceProbs', studentProbs, 'studentProbs', fn);
  checkValuesInRange(referenceProbs, 'referenceProbs', fn, PROBABILITY_RANGE);
  checkValuesInRange(studentProbs, 'studentProbs', fn, PROBABILITY_RANGE);
  const distance = options.distance ?? 'kl';
  checkOneOf(distance, ESTIMATOR_DISTANCES, 'distance', fn);
  const entropy = options.entropy ?? true;
  check(typeof entropy === 'boolean', fn, () => `option 'entropy' must be a boolean, got ${String(entropy)}`);
  const numClasses = referenceProbs.shape[1];
  return tf.tidy(() => {
    const logRef = safeLog(referenceProbs);
    const logStudent = safeLog(studentProbs);
    if (distance === 'kl' && entropy) {
      return tf.neg(tf.sum(tf.mul(referenceProbs, logStudent), 1)) as tf.Tensor1D;
    }
    let d: tf.Tensor1D;
    if (distance === 'kl') {
      d = tf.relu(tf.sum(tf.mul(referenceProbs, tf.sub(logRef, logStudent)), 1)) as tf.Tensor1D;
    } else if (distance === 'mse') {
      d = tf.mean(tf.square(tf.sub(referenceProbs, studentProbs)), 1);
    } else if (numClasses < 2) {
      d = tf.zeros([referenceProbs.shape[0]]);
    } else {
      const cdfGap = tf.sub(tf.cumsum(referenceProbs, 1), tf.cumsum(studentProbs, 1));
      d = tf.sum(tf.abs(tf.slice(cdfGap, [0, 0], [-1, numClasses - 1])), 1);
    }
    if (!entropy) return d;
    return tf.sub(d, tf.sum(tf.mul(referenceProbs, logRef), 1)) as tf.Tensor1D;
  });
}
