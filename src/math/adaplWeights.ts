import * as tf from '@tensorflow/tfjs';
import { checkInputs, checkNumber, checkTensor } from '../util/checks';

/** Inputs of {@link adaplWeights}. */
export interface AdaplWeightInputs {
  /** L̂ [U] float32, the per-sample loss estimates (see `lossEstimate`). */
  estimates: tf.Tensor1D;
}

/** Options of adaplWeights: the sharpness γ and the floor w_min of the per-sample label weight. */
export interface AdaplWeightOptions {
  /** Sigmoid temperature γ > 0, default 1. */
  gamma?: number;
  /** Minimum weight w_min in [0, 1], default 0.5 (≥ 0.5 keeps ŷ the argmax of the relaxed label). */
  wMin?: number;
}

/**
 * AdaPL confidence weight per sample:
 *   w_b = 1 − (1 − w_min)·(2σ(γ L̂_b) − 1) = 1 − (1 − w_min)·tanh(γ L̂_b / 2).
 * w = 1 exactly at L̂ = 0, non-increasing in L̂, in (w_min, 1] (float32 reaches w_min once γL̂ ≳ 17).
 * Negative estimates are treated as 0 (losses are non-negative). The tanh form keeps small L̂ exact.
 *
 * @param inputs `estimates` L̂ [U].
 * @param options `gamma` γ > 0 (default 1), `wMin` w_min in [0, 1] (default 0.5).
 * @returns w [U], per sample.
 * @see TEAR spec §3 (AdaPL, reconstructed from the release's flags and the authors' figure).
 * @example
 * ```ts
 * const w = adaplWeights({ estimates: tf.tensor1d([0, 1]) }, { gamma: 1, wMin: 0.5 });   // [1, 1 − 0.5·tanh(0.5)] = [1, 0.769]
 * ```
 */
export function adaplWeights(inputs: AdaplWeightInputs, options: AdaplWeightOptions = {}): tf.Tensor1D {
  const fn = 'adaplWeights';
  checkInputs(inputs, fn, 'adaplWeights({ estimates }, { gamma, wMin })');
  const { estimates } = inputs;
  checkTensor(estimates, 'estimates', fn, { rank: 1, dtype: 'float32' });
  const gamma = options.gamma ?? 1;
  const wMin = options.wMin ?? 0.5;
  checkNumber(gamma, 'gamma', fn, { min: 0, minOpen: true });
  checkNumber(wMin, 'wMin', fn, { min: 0, max: 1 });
  return tf.tidy(() => tf.sub(1, tf.mul(1 - wMin, tf.tanh(tf.mul(tf.relu(estimates), gamma / 2)))) as tf.Tensor1D);
}
