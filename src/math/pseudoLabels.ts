import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkTensor } from '../util/checks';

/** Hard pseudo labels ŷ_b = argmax_c q_b,c (int32 [U]; ties pick the lowest class) and confidence s_b = max_c q_b,c ([U]). */
export function hardPseudoLabels(probs: tf.Tensor2D): { labels: tf.Tensor1D; confidence: tf.Tensor1D } {
  checkTensor(probs, 'probs', 'hardPseudoLabels', { rank: 2, dtype: 'float32' });
  return {
    labels: tf.argMax(probs, 1) as tf.Tensor1D,
    confidence: tf.max(probs, 1) as tf.Tensor1D,
  };
}

/** FixMatch confidence mask m_b = [max_c q_b,c ≥ τ] as float32 0/1 [U]; τ in [0, 1], default 0.95. */
export function confidenceMask(probs: tf.Tensor2D, threshold = 0.95): tf.Tensor1D {
  checkTensor(probs, 'probs', 'confidenceMask', { rank: 2, dtype: 'float32' });
  checkNumber(threshold, 'threshold', 'confidenceMask', { min: 0, max: 1 });
  return tf.tidy(() => tf.cast(tf.greaterEqual(tf.max(probs, 1), threshold), 'float32') as tf.Tensor1D);
}

/** One-hot float32 targets [U,C] from int32 labels [U] (values in [0, C)); C = 1 gives a column of ones. */
export function oneHotPseudoLabels(labels: tf.Tensor1D, numClasses: number): tf.Tensor2D {
  const fn = 'oneHotPseudoLabels';
  checkTensor(labels, 'labels', fn, { rank: 1, dtype: 'int32' });
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
  if (numClasses === 1) return tf.ones([labels.shape[0], 1]);
  return tf.tidy(() => tf.cast(tf.oneHot(labels, numClasses), 'float32') as tf.Tensor2D);
}
