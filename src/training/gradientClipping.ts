import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../util/checks';
import { groupedElementwise } from '../util/fusedUpdates';

/**
 * Element-wise gradient value clipping: g ← clip(g, −c, c) (PyTorch's clip_grad_value_, the release uses c = 1).
 * Gradients whose shapes agree after the first axis are clipped as one batch (same bits, fewer kernels).
 * Returns new tensors; the inputs stay owned by the caller.
 */
export function clipGradientValues(grads: Record<string, tf.Tensor>, clipValue: number): Record<string, tf.Tensor> {
  checkNumber(clipValue, 'clipValue', 'clipGradientValues', { min: 0, minOpen: true });
  const clipped = groupedElementwise(Object.entries(grads).map(([key, g]) => ({ key, inputs: [g] })),
    ([g]) => [tf.clipByValue(g, -clipValue, clipValue)]);
  return Object.fromEntries(Object.keys(grads).map((name) => [name, clipped[name][0]]));
}
