import * as tf from '@tensorflow/tfjs';
import type { FusedBatchNormTrainingResult } from './batchNormTrainingCall';

/**
 * Training-mode batch norm of x [N, H, W, C] (float32) with scale γ [C] and offset β [C] from a few
 * broadcasting ops, with a gradient that needs no more (M = N·H·W rows, sums over them):
 *
 *   forward:  μ = (1/M) Σ x,   x̄ = x − μ,   σ² = (1/M) Σ x̄²  (biased, as tf.moments),   r = 1/√(σ² + ε),
 *             y = x̄·(γ·r) + β                                            (full-size: x̄, x̄², y)
 *   gradient: dβ = Σ dy,   dγ = r·Σ dy·x̄,
 *             dx = γ·r·(dy − dβ/M − x̄·(r·dγ/M))                           (full-size: x̄, dy·x̄, dx)
 *
 * That is the gradient of the whole training-mode expression, through μ and σ² (Ioffe & Szegedy,
 * "Batch Normalization", ICML 2015, §3). tfjs-layers' stock call runs tf.moments, FusedBatchNorm and
 * about fifteen full-size gradient kernels for the same result; the values differ only in float32
 * rounding. Any backend can run it; installWasmTrainingKernels installs it for 'wasm', where each
 * full-size op is one SIMD pass (see installBatchNormTrainingCall).
 */
export function composedBatchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): FusedBatchNormTrainingResult {
  const axes = [0, 1, 2];
  const rows = x.shape[0] * x.shape[1] * x.shape[2];
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const op = tf.customGrad(((xIn: tf.Tensor, gammaIn: tf.Tensor, betaIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = tf.mean(xIn, axes);
    const centered = tf.sub(xIn, mean);
    const variance = tf.mean(tf.square(centered), axes);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const y = tf.add(tf.mul(centered, tf.mul(gammaIn, invStd)), betaIn);
    stats = { mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D };
    // x rather than x̄ is saved (the convolution before keeps x anyway): one Sub more in the gradient,
    // one full-size tensor less held per layer until the backward pass.
    save([xIn, mean, gammaIn, invStd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor;
        const [xs, m, scale, r] = saved;
        const c = tf.sub(xs, m);
        const sumDy = tf.sum(g, axes);
        const dGamma = tf.mul(tf.sum(tf.mul(g, c), axes), r);
        const slope = tf.mul(r, tf.div(dGamma, rows));
        const dx = tf.mul(tf.sub(tf.sub(g, tf.div(sumDy, rows)), tf.mul(c, slope)), tf.mul(scale, r));
        return [dx, dGamma, sumDy];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta) as tf.Tensor4D;
  if (stats === undefined) throw new Error('tear-ssl.composedBatchNormTraining: internal error: no batch statistics');
  return { y, ...stats };
}
