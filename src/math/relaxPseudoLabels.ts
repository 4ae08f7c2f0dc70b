import * as tf from '@tensorflow/tfjs';
import { check, checkInputs, checkNumber, checkOneOf, checkRequiredOptions, checkSameDim, checkTensor, checkValuesInRange } from '../util/checks';

/** How a relaxed label shares the mass 1 − w among the other classes (see RelaxOptions.spread). */
export const RELAX_SPREADS = ['uniform', 'reference'] as const;
/** One of RELAX_SPREADS. */
export type RelaxSpread = (typeof RELAX_SPREADS)[number];

/** Inputs of {@link relaxPseudoLabels}: pseudo labels, their weights and, for spread 'reference', p̃. */
export interface RelaxInputs {
  /** ŷ int32 [U], values in [0, C). */
  pseudoLabels: tf.Tensor1D;
  /** w [U] float32, the weight of ŷ in each relaxed label (see adaplWeights). */
  weights: tf.Tensor1D;
  /** p̃ [U,C], required for spread 'reference'. */
  referenceProbs?: tf.Tensor2D;
}

/** Options of relaxPseudoLabels: the class count (required) and the spread. */
export interface RelaxOptions {
  /** C ≥ 1, the number of classes. Required. */
  numClasses: number;
  /** How the mass 1 − w is shared by the other classes: 'uniform' (default) or in proportion to p̃ ('reference'). */
  spread?: RelaxSpread;
}

const FORM = 'relaxPseudoLabels({ pseudoLabels, weights, referenceProbs }, { numClasses, spread })';

/**
 * AdaPL relaxed label Q_b: Q_b[ŷ_b] = w_b; the other classes share 1 − w_b uniformly ((1 − w_b)/(C − 1)
 * each) or ∝ p̃_b,c (c ≠ ŷ_b). 'reference' falls back to uniform on rows where p̃ has no mass off ŷ.
 * C = 1 gives Q = [1]. Rows sum to 1; with w ≥ 0.5, Q_b[ŷ_b] ≥ every other entry. A label outside
 * [0, C) is a TearArgumentError naming its index (the check reads two numbers back: one sync).
 *
 * @param inputs `pseudoLabels` ŷ int32 [U], `weights` w [U], `referenceProbs` p̃ [U,C] (spread 'reference').
 * @param options `numClasses` C (required), `spread` 'uniform' (default) or 'reference'.
 * @returns Q [U,C], rows summing to 1.
 * @see TEAR spec §3 (the label's shape follows the authors' figure: the uniform spread).
 * @example
 * ```ts
 * const q = relaxPseudoLabels(
 *   { pseudoLabels: tf.tensor1d([2], 'int32'), weights: tf.tensor1d([0.8]) },
 *   { numClasses: 3 },
 * );   // [[0.1, 0.1, 0.8]]
 * ```
 */
export function relaxPseudoLabels(inputs: RelaxInputs, options: RelaxOptions): tf.Tensor2D {
  const fn = 'relaxPseudoLabels';
  checkInputs(inputs, fn, FORM);
  checkRequiredOptions(options, fn, FORM);
  const { pseudoLabels, weights, referenceProbs } = inputs;
  const { numClasses } = options;
  checkTensor(pseudoLabels, 'pseudoLabels', fn, { rank: 1, dtype: 'int32' });
  checkTensor(weights, 'weights', fn, { rank: 1, dtype: 'float32' });
  checkSameDim(pseudoLabels, 'pseudoLabels', weights, 'weights', fn, 0, 0);
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
  // A label outside [0, C) one-hot encodes to a zero row: Q's row would sum to 1 − w, not 1.
  checkValuesInRange(pseudoLabels, 'pseudoLabels', fn, { min: 0, max: numClasses, maxOpen: true });
  const spread = options.spread ?? 'uniform';
  checkOneOf(spread, RELAX_SPREADS, 'spread', fn);
  if (spread === 'reference') {
    check(referenceProbs !== undefined, fn, () => `argument 'referenceProbs' is required when spread is 'reference'`);
  }
  if (referenceProbs !== undefined) {
    checkTensor(referenceProbs, 'referenceProbs', fn, { rank: 2, dtype: 'float32' });
    checkSameDim(referenceProbs, 'referenceProbs', pseudoLabels, 'pseudoLabels', fn, 0, 0);
    check(referenceProbs.shape[1] === numClasses, fn,
      () => `'referenceProbs' [${referenceProbs.shape.join(',')}] must have numClasses = ${numClasses} columns`);
  }
  const size = pseudoLabels.shape[0];
  if (numClasses === 1) return tf.ones([size, 1]);
  return tf.tidy(() => {
    const onehot = tf.cast(tf.oneHot(pseudoLabels, numClasses), 'float32');
    const others = tf.sub(1, onehot);
    const w = tf.expandDims(weights, 1);
    const rest = tf.sub(1, w);
    const uniformShare = tf.div(others, numClasses - 1);
    let share: tf.Tensor = uniformShare;
    if (spread === 'reference' && referenceProbs !== undefined) {
      const offMass = tf.mul(referenceProbs, others);
      const total = tf.sum(offMass, 1, true);
      const noMass = tf.greaterEqual(tf.neg(total), 0);
      const proportional = tf.div(offMass, tf.where(noMass, tf.onesLike(total), total));
      share = tf.where(tf.broadcastTo(noMass, offMass.shape), uniformShare, proportional);
    }
    return tf.add(tf.mul(onehot, w), tf.mul(share, rest)) as tf.Tensor2D;
  });
}
