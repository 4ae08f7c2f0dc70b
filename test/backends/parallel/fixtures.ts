import * as tf from '@tensorflow/tfjs';

/** Tiny CNN without batch norm (conv stride 2 → ReLU → maxPool → conv → GAP → dense), seeded weights. */
export function createTinyCnn(seed: number): tf.LayersModel {
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  return tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init() }),
    tf.layers.reLU(),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 6, kernelSize: 2, padding: 'same', kernelInitializer: init() }),
    tf.layers.globalAveragePooling2d({}),
    tf.layers.dense({ units: 3, kernelInitializer: init() }),
  ] });
}

/** The same with a batch-norm layer after the first conv (batch-dependent in training mode). */
export function createTinyCnnWithBatchNorm(seed: number): tf.LayersModel {
  const base = createTinyCnn(seed);
  const layers = base.layers;
  return tf.sequential({ layers: [layers[0], tf.layers.batchNormalization({ axis: -1 }), ...layers.slice(1)] });
}

/** Mean softmax cross-entropy of inputs.x against one-hot inputs.y. */
export function crossEntropy(model: tf.LayersModel, inputs: Record<string, tf.Tensor>): tf.Scalar {
  const logits = model.apply(inputs.x, { training: true }) as tf.Tensor;
  return tf.losses.softmaxCrossEntropy(inputs.y, logits) as tf.Scalar;
}
