import * as tf from '@tensorflow/tfjs';
import { check } from '../util/checks';

/** What the deployed model outputs. */
export type InferenceOutput = 'probabilities' | 'logits';

/**
 * A single-output classifier over the layers of a trainer model (outputs `[logits, features]`), for
 * deployment: `'probabilities'` (default) adds a softmax activation layer, `'logits'` returns the logits
 * as they are. Weights are shared with `model` (no copy); only standard tfjs layers are added, so the
 * saved model loads with plain `tf.loadLayersModel`.
 *
 * @param model - a LayersModel with outputs [logits [N, C], features [N, d]] (e.g. `trainer.emaModel`).
 * @param output - 'probabilities' or 'logits'.
 * @returns a LayersModel with one output [N, C].
 */
export function inferenceModel(model: tf.LayersModel, output: InferenceOutput = 'probabilities'): tf.LayersModel {
  const fn = 'inferenceModel';
  check(model instanceof tf.LayersModel, fn, () => 'argument \'model\' must be a tf.LayersModel with outputs [logits, features]');
  check(model.outputs.length === 2, fn, () => `argument 'model' must have two outputs [logits, features], got ${model.outputs.length}`);
  check(output === 'probabilities' || output === 'logits', fn, () => `argument 'output' must be 'probabilities' or 'logits', got ${String(output)}`);
  const logits = model.outputs[0];
  const out = output === 'logits' ? logits : tf.layers.activation({ activation: 'softmax', name: `${model.name}_probabilities` }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: model.inputs, outputs: out, name: `${model.name}_inference` });
}
