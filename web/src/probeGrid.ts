/**
 * What the unlabeled loss does to a few fixed unlabeled images right now, from tear-ssl's own loss
 * functions: the student's probabilities on the un-augmented image give the pseudo label and the
 * confidence mask (fixmatchLoss); for TEAR, adaplLoss also gives AdaPL's weight from the temporal
 * loss estimate against the EMA model (the trainer's default reference). In training the same rules
 * act on augmented views and distribution-aligned probabilities, so this is an explanation, not a replay.
 */
import * as tf from '@tensorflow/tfjs';
import { adaplLoss, fixmatchLoss, softmaxProbabilities } from '../../src/core';
import { ADD_ONS, describeMethod, parseMethodName } from '../../src/training/algorithms/registry';
import type { TrainerConfig } from '../../src/training/config';
import type { GridItem } from './protocol';

/** AdaPL's add-on (`+adapl`, `+tear`) is the one that replaces the targets. */
const usesAdapl = (method: string): boolean => {
  const { addOn } = parseMethodName(method);
  return addOn !== undefined && ADD_ONS[addOn].targets !== undefined;
};

const logitsOf = (model: tf.LayersModel, x: tf.Tensor4D): tf.Tensor2D =>
  (model.apply(x, { training: false }) as tf.Tensor[])[0] as tf.Tensor2D;

export async function probeGrid(
  student: tf.LayersModel, ema: tf.LayersModel, images: tf.Tensor4D, labels: readonly number[], config: TrainerConfig,
): Promise<GridItem[]> {
  const out = tf.tidy(() => {
    const logits = logitsOf(student, images);
    const probs = softmaxProbabilities(logits);
    const confidence = probs.max(1);
    if (!describeMethod(config.method).unlabeled) return { pseudo: probs.argMax(1), confidence };
    if (usesAdapl(config.method)) {
      const referenceProbs = softmaxProbabilities(logitsOf(ema, images));
      const r = adaplLoss({ strongLogits: logits, weakProbs: probs, referenceProbs, studentProbs: probs }, {
        threshold: config.threshold, mask: config.adapl.mask, distance: config.adapl.distance, entropy: config.adapl.entropy,
        gamma: config.adapl.gamma, wMin: config.adapl.wMin, spread: config.adapl.spread,
      });
      return { pseudo: r.pseudoLabels, confidence, mask: r.mask, weights: r.weights };
    }
    const r = fixmatchLoss({ weakProbs: probs, strongLogits: logits }, { threshold: config.threshold });
    return { pseudo: r.pseudoLabels, confidence, mask: r.mask };
  });
  try {
    const [pseudo, confidence, mask, weights] = await Promise.all([out.pseudo.data(), out.confidence.data(), out.mask?.data(), out.weights?.data()]);
    return labels.map((label, i) => ({
      label, pseudoLabel: pseudo[i], confidence: confidence[i],
      ...(mask === undefined ? {} : { kept: mask[i] }),
      ...(weights === undefined ? {} : { weight: weights[i] }),
    }));
  } finally {
    tf.dispose(Object.values(out));
  }
}
