import * as tf from '@tensorflow/tfjs';
import { check, checkInputs, checkNumber, checkOneOf, checkSameDim, checkTensor } from '../util/checks';
import { stopGradient } from '../util/numerics';
import { confidenceMask, hardPseudoLabels, oneHotPseudoLabels } from './pseudoLabels';
import { REDUCTIONS, softCrossEntropy, type Reduction } from './softCrossEntropy';

/** Inputs of maskedUnlabeledLoss: targets, strong-view logits and the per-sample mask or weights. */
export interface MaskedUnlabeledLossInputs {
  /** Targets t [U,C], no gradient expected. */
  targets: tf.Tensor2D;
  /** Student strong-view logits z [U,C]. */
  strongLogits: tf.Tensor2D;
  /** Per-sample weights m [U] float32: a 0/1 mask, or soft weights (SoftMatch). */
  mask: tf.Tensor1D;
}

/** Options of {@link maskedUnlabeledLoss}. */
export interface MaskedUnlabeledLossOptions {
  /** 'mean' (default) → (1/U) Σ_b ℓ_b; 'sum' → Σ_b ℓ_b; 'none' → ℓ [U]. */
  reduction?: Reduction;
}

/**
 * The masked unlabeled loss ℓ_b = m_b · H(t_b, softmax(z_b)), by default reduced as
 * L = (1/U) Σ_b ℓ_b: the mean runs over all U rows, masked ones included (as FixMatch and the TEAR
 * release); U = 0 gives 0.
 *
 * @param inputs `targets` t [U,C] (no gradient expected), `strongLogits` z [U,C], `mask` m [U] float32
 *   (a 0/1 mask, or soft weights as in SoftMatch).
 * @param options `reduction`, default 'mean'.
 * @returns L, a scalar ('mean', 'sum'), or ℓ [U] ('none').
 * @see Sohn et al., "FixMatch", NeurIPS 2020, eq. 4; TEAR spec §1 (L_u) and §3 (L_con).
 * @example
 * ```ts
 * const loss = maskedUnlabeledLoss({
 *   targets: tf.tensor2d([[1, 0], [0, 1]]), strongLogits: tf.tensor2d([[0, 0], [0, 0]]), mask: tf.tensor1d([1, 0]),
 * });   // (log 2 + 0) / 2 = 0.347
 * ```
 */
export function maskedUnlabeledLoss(inputs: MaskedUnlabeledLossInputs, options?: { reduction?: 'mean' | 'sum' }): tf.Scalar;
export function maskedUnlabeledLoss(inputs: MaskedUnlabeledLossInputs, options: { reduction: 'none' }): tf.Tensor1D;
export function maskedUnlabeledLoss(inputs: MaskedUnlabeledLossInputs, options?: MaskedUnlabeledLossOptions): tf.Tensor;
export function maskedUnlabeledLoss(inputs: MaskedUnlabeledLossInputs, options: MaskedUnlabeledLossOptions = {}): tf.Tensor {
  const fn = 'maskedUnlabeledLoss';
  checkInputs(inputs, fn, 'maskedUnlabeledLoss({ targets, strongLogits, mask }, { reduction })');
  const { targets, strongLogits, mask } = inputs;
  checkTensor(targets, 'targets', fn, { rank: 2, dtype: 'float32' });
  checkTensor(strongLogits, 'strongLogits', fn, { rank: 2, dtype: 'float32' });
  checkTensor(mask, 'mask', fn, { rank: 1, dtype: 'float32' });
  checkSameDim(targets, 'targets', strongLogits, 'strongLogits', fn);
  checkSameDim(mask, 'mask', strongLogits, 'strongLogits', fn, 0, 0);
  const reduction = options.reduction ?? 'mean';
  checkOneOf(reduction, REDUCTIONS, 'reduction', fn);
  return softCrossEntropy({ targets, logits: strongLogits, weights: mask }, { reduction });
}

/** Inputs of fixmatchLoss: the weak-view probabilities (pseudo-label source) and the strong-view logits. */
export interface FixmatchLossArgs {
  /** Student weak-view probabilities after distribution alignment, [U,C]. */
  weakProbs: tf.Tensor2D;
  /** Student strong-view logits, [U,C]: the only input that receives gradient. */
  strongLogits: tf.Tensor2D;
}

/** Options of fixmatchLoss: the confidence threshold τ. */
export interface FixmatchLossOptions {
  /** Confidence threshold τ, default 0.95. */
  threshold?: number;
}

/**
 * FixMatch's unlabeled loss: ŷ = argmax q, m = [max q ≥ τ], t = onehot(ŷ),
 * L_u = (1/U) Σ_b m_b · CE(ŷ_b, z_b). Targets and mask carry no gradient.
 *
 * @param inputs `weakProbs` q [U,C] (after distribution alignment), `strongLogits` z [U,C] (the only input
 *   that receives gradient).
 * @param options `threshold` τ in [0, 1], default 0.95.
 * @returns `loss` L_u (scalar), and the per-sample pieces: `mask` m [U], `pseudoLabels` ŷ int32 [U], `targets` t [U,C].
 * @see Sohn et al., "FixMatch", NeurIPS 2020, eq. 4; TEAR spec §1.
 * @example
 * ```ts
 * const { loss, mask } = fixmatchLoss(
 *   { weakProbs: tf.tensor2d([[0.97, 0.03], [0.6, 0.4]]), strongLogits: tf.tensor2d([[0, 0], [1, 0]]) },
 *   { threshold: 0.95 },
 * );   // mask [1, 0], loss log 2 / 2 = 0.347
 * ```
 */
export function fixmatchLoss(inputs: FixmatchLossArgs, options: FixmatchLossOptions = {}): {
  loss: tf.Scalar; mask: tf.Tensor1D; pseudoLabels: tf.Tensor1D; targets: tf.Tensor2D;
} {
  const fn = 'fixmatchLoss';
  checkInputs(inputs, fn, 'fixmatchLoss({ weakProbs, strongLogits }, { threshold })');
  // the older form took the threshold among the tensors; silently ignoring it would train with τ = 0.95
  check(!('threshold' in inputs), fn, () => '\'threshold\' given with the tensors (the older form); pass it as an option: ' +
    'fixmatchLoss({ weakProbs, strongLogits }, { threshold })');
  const { weakProbs, strongLogits } = inputs;
  const { threshold = 0.95 } = options;
  checkTensor(weakProbs, 'weakProbs', fn, { rank: 2, dtype: 'float32' });
  checkTensor(strongLogits, 'strongLogits', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(weakProbs, 'weakProbs', strongLogits, 'strongLogits', fn);
  checkNumber(threshold, 'threshold', fn, { min: 0, max: 1 });
  return tf.tidy(() => {
    const { labels, confidence } = hardPseudoLabels(weakProbs);
    confidence.dispose();
    const mask = stopGradient(confidenceMask({ probs: weakProbs }, { threshold }));
    const targets = stopGradient(oneHotPseudoLabels(labels, weakProbs.shape[1]));
    const loss = maskedUnlabeledLoss({ targets, strongLogits, mask });
    return { loss, mask, pseudoLabels: labels, targets };
  });
}
