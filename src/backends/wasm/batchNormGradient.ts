import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of FusedBatchNorm, y = (x − μ)·s/√(σ²+ε) + β, with per-channel vectors broadcast instead of
 * tiled to x's shape (tfjs-core's stock gradient builds a full-size Tile for dx). With r = 1/√(σ²+ε)
 * and the sums over the broadcast axes:
 *   dx = dy·(r·s)   dμ = −Σ dy·s·r   dσ² = Σ −½·r³·(x−μ)·dy·s   ds = Σ dy·(x−μ)·r   dβ = Σ dy.
 * Same math as the stock gradient, fewer and smaller intermediates on every backend.
 */
export const broadcastBatchNormGradient: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const dyT = dy as tf.Tensor;
    const [x, mean, variance, scale] = saved;
    const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const axes: number[] = [];
    for (let i = 0; i < x.rank - mean.rank; i++) axes.push(i);
    const reduce = (t: tf.Tensor): tf.Tensor => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    const scaleValue = scale ?? tf.scalar(1);
    const invStd = tf.rsqrt(tf.add(variance, tf.scalar(epsilon)));
    const centered = tf.sub(x, mean);
    const dyScaled = tf.mul(dyT, scaleValue);
    return {
      x: () => tf.mul(dyT, tf.mul(invStd, scaleValue)),
      mean: () => reduce(tf.mul(dyScaled, tf.neg(invStd))),
      variance: () => reduce(tf.mul(tf.mul(dyScaled, centered), tf.mul(tf.mul(tf.mul(invStd, invStd), invStd), tf.scalar(-0.5)))),
      scale: () => reduce(tf.mul(dyT, tf.mul(centered, invStd))),
      offset: () => reduce(dyT),
    };
  },
};
