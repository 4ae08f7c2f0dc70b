import * as tf from '@tensorflow/tfjs';
import { PROBABILITY_FLOOR } from '../math/probabilities';
import { check } from '../util/checks';

/**
 * log(max(p, floor)): turns a softmax output back into logits. softmax(log p) = p, so the trainer's
 * softmax and cross-entropy see the model's own probabilities (the floor only guards log 0).
 */
class LogProbabilities extends tf.layers.Layer {
  static className = 'TearLogProbabilities';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.log(tf.maximum(Array.isArray(inputs) ? inputs[0] : inputs, PROBABILITY_FLOOR)));
  }
}
tf.serialization.registerClass(LogProbabilities);

/** How withFeatureOutput treats the model's output. */
export interface WithFeatureOutputOptions {
  /**
   * The model's output is already probabilities (a softmax output layer): `'auto'` (default) decides by
   * the output layer's `activation` config; `true`/`false` say so. Probabilities become logits log p.
   */
  outputIsProbabilities?: boolean | 'auto';
}

/**
 * Adapts an existing single-output classifier to the trainer's `[logits, features]` contract: a new
 * LayersModel over the same layers (weights are shared, so training it trains `model`) whose outputs
 * are the model's output (as logits) and the output of the layer named `featureLayer`, flattened to
 * [N, d]. Works for `tf.sequential` and functional models; the result serialises (toJSON) like any
 * LayersModel, so the trainer can build its EMA copy.
 *
 * @param model - a tf.LayersModel with one output [N, C]: logits, or softmax probabilities.
 * @param featureLayer - name of the layer whose output the IPH prototypes are built from (e.g. the
 *   penultimate dense layer or a pooling layer).
 * @param options - see WithFeatureOutputOptions.
 * @returns a LayersModel with outputs [logits [N, C], features [N, d]].
 * @throws TearArgumentError when the model has several outputs, the layer does not exist (the message
 *   lists the layer names), or the output is not [N, C].
 *
 * @example
 * ```ts
 * const classifier = tf.sequential({ layers: [
 *   tf.layers.flatten({ inputShape: [28, 28, 1] }),
 *   tf.layers.dense({ units: 64, activation: 'relu', name: 'embedding' }),
 *   tf.layers.dense({ units: 10, activation: 'softmax' }),
 * ] });
 * const model = withFeatureOutput(classifier, 'embedding');  // outputs [logits, features]
 * const trainer = await SemiSupervisedTrainer.create({ model, ... });
 * ```
 */
export function withFeatureOutput(model: tf.LayersModel, featureLayer: string, options: WithFeatureOutputOptions = {}): tf.LayersModel {
  const fn = 'withFeatureOutput';
  check(model instanceof tf.LayersModel, fn, () => 'argument \'model\' must be a tf.LayersModel (tf.sequential or tf.model)');
  check(model.outputs.length === 1, fn, () => `argument 'model' must have one output, got ${model.outputs.length}`);
  const names = model.layers.map((l) => l.name);
  check(typeof featureLayer === 'string' && names.includes(featureLayer), fn, () =>
    `the model has no layer '${String(featureLayer)}'; its layers are ${names.map((n) => `'${n}'`).join(', ')}`);
  const output = model.outputs[0];
  check(output.shape.length === 2, fn, () => `the model's output must be [N, C], got [${output.shape.map(String).join(', ')}]`);
  // the layer that produces the output (in a functional model it need not be the last one listed)
  const outputLayer = output.sourceLayer ?? model.layers[model.layers.length - 1];
  const activation = (outputLayer.getConfig() as { activation?: unknown }).activation;
  const { outputIsProbabilities = 'auto' } = options;
  const probabilities = outputIsProbabilities === 'auto' ? activation === 'softmax' : outputIsProbabilities;
  const logits = probabilities ? new LogProbabilities({ name: `${model.name}_log_probabilities` }).apply(output) as tf.SymbolicTensor : output;
  let features = model.getLayer(featureLayer).output as tf.SymbolicTensor;
  check(!Array.isArray(features), fn, () => `layer '${featureLayer}' has several outputs; pick a layer with one`);
  if (features.shape.length > 2) features = tf.layers.flatten({ name: `${featureLayer}_features` }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: model.inputs, outputs: [logits, features], name: `${model.name}_with_features` });
}
