import * as tf from '@tensorflow/tfjs';

/** Sum of the sizes of a model's trainable weights. */
export const trainableCount = (model: tf.LayersModel): number =>
  model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);

/** Sum of the sizes of a model's non-trainable weights (batch-norm moving statistics). */
export const nonTrainableCount = (model: tf.LayersModel): number =>
  model.nonTrainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);

/** Runs the model in training mode and returns the gradient of sum(logits²)+sum(features) w.r.t. every trainable variable. */
export function trainableGradNorms(model: tf.LayersModel, x: tf.Tensor): Map<string, number> {
  const norms = new Map<string, number>();
  tf.tidy(() => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const [logits, features] = model.apply(x, { training: true }) as tf.Tensor[];
      return tf.add(tf.sum(tf.square(logits)), tf.sum(features)) as tf.Scalar;
    }, vars);
    for (const [name, g] of Object.entries(grads)) norms.set(name, tf.norm(g).dataSync()[0]);
  });
  return norms;
}

/** Layout check: logits = act(features) · W + b with the model's last dense layer, computed independently in JS. */
export function expectedLogits(features: number[], n: number, d: number, kernel: number[], bias: number[], relu: boolean): number[] {
  const c = bias.length;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      let s = bias[j];
      for (let k = 0; k < d; k++) {
        const f = features[i * d + k];
        s += (relu ? Math.max(0, f) : f) * kernel[k * c + j];
      }
      out.push(s);
    }
  }
  return out;
}
