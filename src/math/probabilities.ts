import * as tf from '@tensorflow/tfjs';
import { checkTensor } from '../util/checks';

/** Smallest probability fed to a logarithm: log(max(p, 1e-8)) ≥ −18.43, so every estimate stays finite. */
export const PROBABILITY_FLOOR = 1e-8;

/** p = softmax(z) row by row. logits [U,C] float32 → probabilities [U,C]. */
export function softmaxProbabilities(logits: tf.Tensor2D): tf.Tensor2D {
  checkTensor(logits, 'logits', 'softmaxProbabilities', { rank: 2, dtype: 'float32' });
  return tf.softmax(logits, -1);
}

/** Elementwise log(max(p, 1e-8)) (clamped above at 1 as well); finite for any finite p. */
export function safeLog<T extends tf.Tensor>(probs: T): T {
  return tf.tidy(() => tf.log(tf.clipByValue(probs, PROBABILITY_FLOOR, 1))) as T;
}
