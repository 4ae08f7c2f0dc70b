import * as tf from '@tensorflow/tfjs';
import { check, checkNumber, checkTensor, shapeString } from '../util/checks';
import { deserializeTensor, serializeTensor, type SerializedTensor } from './serialize';

/** DebiasPL's momentum estimate p̄ [C] of the model's mean prediction on unlabeled data. */
export interface MarginalPredictionState {
  marginal: tf.Tensor1D;
}

/** JSON-safe form of a MarginalPredictionState. */
export interface MarginalPredictionJSON {
  marginal: SerializedTensor;
}

/** p̄₀ = 1/C for every class (DebiasPL's initial value). */
export function marginalPredictionInit(numClasses: number): MarginalPredictionState {
  checkNumber(numClasses, 'numClasses', 'marginalPredictionInit', { min: 1, integer: true });
  return { marginal: tf.fill([numClasses], 1 / numClasses) as tf.Tensor1D };
}

/**
 * p̄ ← m·p̄ + (1 − m)·(1/U) Σ_b q_b (Wang et al., CVPR 2022, eq. 5). probs q [U,C]; momentum m in [0, 1).
 * Returns a new state (the input is neither changed nor disposed); an empty batch (U = 0) keeps p̄.
 */
export function marginalPredictionUpdate(state: MarginalPredictionState, probs: tf.Tensor2D, options: { momentum: number }): MarginalPredictionState {
  const fn = 'marginalPredictionUpdate';
  check(state !== null && typeof state === 'object', fn, () => 'argument \'state\' must be a marginal prediction state');
  checkTensor(state.marginal, 'state.marginal', fn, { rank: 1, dtype: 'float32' });
  checkTensor(probs, 'probs', fn, { rank: 2, dtype: 'float32' });
  check(probs.shape[1] === state.marginal.shape[0], fn, () =>
    `'probs' ${shapeString(probs.shape)} must have ${state.marginal.shape[0]} columns, like 'state.marginal' ${shapeString(state.marginal.shape)}`);
  const momentum = options?.momentum;
  checkNumber(momentum, 'momentum', fn, { min: 0, max: 1, maxOpen: true });
  const marginal = tf.tidy(() => (probs.shape[0] === 0
    ? state.marginal.clone()
    : tf.add(tf.mul(state.marginal, momentum), tf.mul(tf.mean(probs, 0), 1 - momentum)))) as tf.Tensor1D;
  return { marginal };
}

/** JSON-safe copy of the state. */
export async function marginalPredictionToJSON(state: MarginalPredictionState): Promise<MarginalPredictionJSON> {
  return { marginal: await serializeTensor(state.marginal) };
}

/** Rebuilds a state; errors name the field at fault. */
export function marginalPredictionFromJSON(json: MarginalPredictionJSON, numClasses: number): MarginalPredictionState {
  const fn = 'marginalPredictionFromJSON';
  check(json !== null && typeof json === 'object', fn, () => `expected an object, got ${String(json)}`);
  let marginal: tf.Tensor;
  try {
    marginal = deserializeTensor(json.marginal, 'marginal');
  } catch (error) {
    check(false, fn, () => (error as Error).message);
  }
  if (marginal.rank !== 1 || marginal.shape[0] !== numClasses || marginal.dtype !== 'float32') {
    const shape = shapeString(marginal.shape);
    marginal.dispose();
    check(false, fn, () => `field 'marginal' must be float32 [${numClasses}], got ${shape}`);
  }
  return { marginal: marginal as tf.Tensor1D };
}
