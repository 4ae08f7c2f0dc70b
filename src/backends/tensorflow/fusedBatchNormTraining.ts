import * as tf from '@tensorflow/tfjs';
import { installBatchNormTrainingCall, uninstallBatchNormTrainingCall, type FusedBatchNormTrainingResult } from '../batchNormTrainingCall';
import { float32Attr, type NodeBackendLike } from './nodeBackend';

export type { FusedBatchNormTrainingResult } from '../batchNormTrainingCall';

/**
 * Batch normalization in training mode as one TensorFlow kernel on the 'tensorflow' backend.
 *
 * tfjs-layers' BatchNormalization computes the batch statistics with `tf.moments` (Mean, Sub, Square,
 * Mean over the full activation) and then runs FusedBatchNorm with them; its gradient flows back through
 * FusedBatchNorm and through the moments, about a dozen full-size kernels on tfjs-node. TensorFlow's
 * `FusedBatchNormV3` with `is_training` computes y, the batch mean and variance in one kernel, and
 * `FusedBatchNormGradV3` gives dx, dγ and dβ in one:
 *   y = γ·(x − μ_B)/√(σ²_B + ε) + β,   μ_B, σ²_B the mean and biased variance over N, H, W.
 * Same math, TensorFlow's float32 rounding (max |Δ| of order 1e-5 relative in the gradients; tests).
 * Reference: Ioffe & Szegedy, "Batch Normalization", ICML 2015; TensorFlow's `FusedBatchNormV3` op.
 */

/**
 * Training-mode batch norm of x [N, H, W, C] (NHWC, float32) with scale γ [C] and offset β [C], on the
 * 'tensorflow' backend only: y has the gradient of the whole training-mode batch norm (through the batch
 * statistics too), computed by FusedBatchNormGradV3.
 */
export function fusedBatchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): FusedBatchNormTrainingResult {
  const b = tf.backend() as unknown as NodeBackendLike;
  if (tf.getBackend() !== 'tensorflow' || typeof b.executeMultipleOutputs !== 'function') {
    throw new Error(`tear-ssl.fusedBatchNormTraining: needs the 'tensorflow' backend (tfjs-node), got '${tf.getBackend()}'`);
  }
  const { binding } = b;
  const type = (name: string) => float32Attr(b, name);
  const eps = { name: 'epsilon', type: binding.TF_ATTR_FLOAT, value: epsilon };
  const format = { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' };
  const training = { name: 'is_training', type: binding.TF_ATTR_BOOL, value: true };
  const averageFactor = { name: 'exponential_avg_factor', type: binding.TF_ATTR_FLOAT, value: 1 };
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const op = tf.customGrad(((xIn: tf.Tensor, gammaIn: tf.Tensor, betaIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const empty = tf.tensor1d([]);
    // outputs: y, batch mean, batch variance (unbiased), reserve 1 (mean), reserve 2 (biased variance), reserve 3
    const outs = b.executeMultipleOutputs('FusedBatchNormV3', [type('T'), type('U'), eps, averageFactor, format, training],
      [xIn, gammaIn, betaIn, empty, empty], 6);
    empty.dispose();
    outs[2].dispose();
    stats = { mean: tf.keep(outs[1] as tf.Tensor1D), variance: tf.keep(outs[4].clone() as tf.Tensor1D) };
    save([xIn, gammaIn, outs[3], outs[4], outs[5]]);
    return {
      value: outs[0],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, scale, r1, r2, r3] = saved;
        const g = b.executeMultipleOutputs('FusedBatchNormGradV3', [type('T'), type('U'), eps, format, training],
          [dy as tf.Tensor, xs, scale, r1, r2, r3], 5);
        g[3].dispose();
        g[4].dispose();
        return [g[0], g[1], g[2]];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta) as tf.Tensor4D;
  if (stats === undefined) throw new Error('tear-ssl.fusedBatchNormTraining: internal error: no batch statistics');
  return { y, ...stats };
}

/**
 * Makes every tfjs-layers BatchNormalization layer run training-mode calls through
 * {@link fusedBatchNormTraining} when the backend is 'tensorflow', the input is a non-empty float32
 * [N, H, W, C] and the layer normalises the last axis; everything else (inference, other backends, other
 * ranks or axes) runs the stock call (installBatchNormTrainingCall, src/backends/batchNormTrainingCall.ts).
 * Idempotent; returns whether it installed now. selectBackend installs it with the other tensorflow training kernels.
 */
export function installFusedBatchNormTraining(): boolean {
  return installBatchNormTrainingCall('tensorflow', fusedBatchNormTraining);
}

/** Restores tfjs-layers' own BatchNormalization call (for A/B timing and tests). */
export function uninstallFusedBatchNormTraining(): void {
  uninstallBatchNormTrainingCall('tensorflow');
}
