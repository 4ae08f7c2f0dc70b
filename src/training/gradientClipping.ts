import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../util/checks';

/**
 * Element-wise gradient value clipping: g ← clip(g, −c, c) (PyTorch's clip_grad_value_, the release uses c = 1).
 * Returns new tensors; the inputs stay owned by the caller.
 */
export function clipGradientValues(grads: Record<string, tf.Tensor>, clipValue: number): Record<string, tf.Tensor> {
  checkNumber(clipValue, 'clipValue', 'clipGradientValues', { min: 0, minOpen: true });
  const out: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(grads)) out[name] = tf.clipByValue(g, -clipValue, clipValue);
  return out;
}
