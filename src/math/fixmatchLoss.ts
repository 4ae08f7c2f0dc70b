import * as tf from '@tensorflow/tfjs';
import { check, checkNotPositional, checkNumber, checkSameDim, checkTensor } from '../util/checks';
import { stopGradient } from '../util/numerics';
import { confidenceMask, hardPseudoLabels, oneHotPseudoLabels } from './pseudoLabels';
import { softCrossEntropy } from './softCrossEntropy';

/** Inputs of maskedUnlabeledLoss: targets, strong-view logits and the per-sample mask or weights. */
export interface MaskedUnlabeledLossInputs {
  /** Targets t [U,C], no gradient expected. */
  targets: tf.Tensor2D;
  /** Student strong-view logits z [U,C]. */
  strongLogits: tf.Tensor2D;
  /** Per-sample weights m [U] float32: a 0/1 mask, or soft weights (SoftMatch). */
  mask: tf.Tensor1D;
}

/**
 * L = (1/U) Σ_b m_b · H(t_b, softmax(z_b)).
 * The mean runs over all U rows, masked ones included (as FixMatch and the TEAR release); U = 0 gives 0.
 */
export function maskedUnlabeledLoss(inputs: MaskedUnlabeledLossInputs): tf.Scalar {
  const fn = 'maskedUnlabeledLoss';
  checkNotPositional(inputs, fn, 'maskedUnlabeledLoss({ targets, strongLogits, mask })');
  check(inputs !== null && typeof inputs === 'object', fn, () => 'argument \'inputs\' must be { targets, strongLogits, mask }');
  const { targets, strongLogits, mask } = inputs;
  checkTensor(targets, 'targets', fn, { rank: 2, dtype: 'float32' });
  checkTensor(strongLogits, 'strongLogits', fn, { rank: 2, dtype: 'float32' });
  checkTensor(mask, 'mask', fn, { rank: 1, dtype: 'float32' });
  checkSameDim(targets, 'targets', strongLogits, 'strongLogits', fn);
  checkSameDim(mask, 'mask', strongLogits, 'strongLogits', fn, 0, 0);
  return softCrossEntropy({ targets, logits: strongLogits, weights: mask }, { reduction: 'mean' }) as tf.Scalar;
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
 */
export function fixmatchLoss(args: FixmatchLossArgs, opts: FixmatchLossOptions = {}): {
  loss: tf.Scalar; mask: tf.Tensor1D; pseudoLabels: tf.Tensor1D; targets: tf.Tensor2D;
} {
  const fn = 'fixmatchLoss';
  check(args !== null && typeof args === 'object', fn, () => 'argument \'args\' must be { weakProbs, strongLogits }');
  // the older form took the threshold among the tensors; silently ignoring it would train with τ = 0.95
  check(!('threshold' in args), fn, () => '\'threshold\' given with the tensors (the older form); pass it as an option: ' +
    'fixmatchLoss({ weakProbs, strongLogits }, { threshold })');
  const { weakProbs, strongLogits } = args;
  const { threshold = 0.95 } = opts;
  checkTensor(weakProbs, 'weakProbs', fn, { rank: 2, dtype: 'float32' });
  checkTensor(strongLogits, 'strongLogits', fn, { rank: 2, dtype: 'float32' });
  checkSameDim(weakProbs, 'weakProbs', strongLogits, 'strongLogits', fn);
  checkNumber(threshold, 'threshold', fn, { min: 0, max: 1 });
  return tf.tidy(() => {
    const { labels, confidence } = hardPseudoLabels(weakProbs);
    confidence.dispose();
    const mask = stopGradient(confidenceMask(weakProbs, threshold));
    const targets = stopGradient(oneHotPseudoLabels(labels, weakProbs.shape[1]));
    const loss = maskedUnlabeledLoss({ targets, strongLogits, mask });
    return { loss, mask, pseudoLabels: labels, targets };
  });
}
