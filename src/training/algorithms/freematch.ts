import * as tf from '@tensorflow/tfjs';
import { hardPseudoLabels } from '../../math/pseudoLabels';
import { deserializeTensor, serializeTensor, type SerializedTensor } from '../../state/serialize';
import { check, shapeString } from '../../util/checks';
import { detach, stopGradient } from '../../util/numerics';
import { defineSection } from '../optionSchema';
import type { Algorithm, ComponentState, ExtraTerm, Masker } from './types';

/** FreeMatch's options (config section `freematch`): EMA momentum and the fairness weight. */
export interface FreematchOptions {
  /** EMA momentum λ of τ, p̃ and h̃ (default 0.999). */
  momentum: number;
  /** Weight w_f of the self-adaptive fairness term (default 0.01). */
  fairnessWeight: number;
}

/** FreeMatch's running statistics: global threshold τ (scalar), expected class probabilities p̃ [C], pseudo-label histogram h̃ [C]. */
export type FreematchState = {
  threshold: tf.Scalar;
  classProbs: tf.Tensor1D;
  histogram: tf.Tensor1D;
};

const section = defineSection<FreematchOptions>('freematch', 'FreeMatch', {
  momentum: { kind: { type: 'number', min: 0, max: 1, maxOpen: true }, default: 0.999, help: 'FreeMatch EMA momentum λ of the threshold statistics',
    cli: { flag: 'freematch-momentum', key: 'freematchMomentum', valueName: 'M' } },
  fairnessWeight: { kind: { type: 'number', min: 0 }, default: 0.01, help: 'FreeMatch weight w_f of the self-adaptive fairness term',
    cli: { flag: 'fairness-weight', key: 'fairnessWeight', valueName: 'W' } },
});

const options = section.read;

/**
 * One EMA step of FreeMatch's statistics from this batch's probabilities q [U,C] (Wang et al., ICLR 2023, eqs. 5, 7, 11):
 *   τ ← λτ + (1−λ)·mean_b max_c q_b,c,   p̃ ← λp̃ + (1−λ)·mean_b q_b,   h̃ ← λh̃ + (1−λ)·hist(argmax q)/U.
 * An empty batch (U = 0) leaves them as they are (copies).
 */
export function freematchUpdate(s: FreematchState, probs: tf.Tensor2D, momentum: number): FreematchState {
  return tf.tidy(() => {
    const [u, c] = probs.shape;
    if (u === 0) return { threshold: s.threshold.clone(), classProbs: s.classProbs.clone(), histogram: s.histogram.clone() };
    const ema = <T extends tf.Tensor>(old: T, batch: tf.Tensor): T => tf.add(tf.mul(old, momentum), tf.mul(batch, 1 - momentum)) as T;
    const histogram = tf.mean(tf.oneHot(hardPseudoLabels(probs).labels, c).toFloat(), 0);
    return {
      threshold: ema(s.threshold, tf.mean(tf.max(probs, 1))),
      classProbs: ema(s.classProbs, tf.mean(probs, 0)),
      histogram: ema(s.histogram, histogram),
    };
  });
}

/** Self-adaptive thresholds τ_c = MaxNorm(p̃)_c · τ = p̃_c / max p̃ · τ  ([C]). */
export function freematchThresholds(s: FreematchState): tf.Tensor1D {
  return tf.tidy(() => tf.mul(tf.div(s.classProbs, tf.max(s.classProbs)), s.threshold) as tf.Tensor1D);
}

function checkStateTensor(t: tf.Tensor, field: string, shape: number[]): void {
  const ok = t.dtype === 'float32' && t.rank === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (!ok) {
    const found = `${t.dtype} ${shapeString(t.shape)}`;
    t.dispose();
    check(false, 'checkpoint', () => `${field} must be float32 ${shapeString(shape)}, got ${found}`);
  }
}

const state: ComponentState<FreematchState> = {
  key: 'freematch',
  // τ_0 = 1/C and p̃_0 = h̃_0 = 1/C, as the paper initialises them (USB starts p̃ and τ at 1).
  init: ({ config }) => tf.tidy(() => ({
    threshold: tf.scalar(1 / config.numClasses),
    classProbs: tf.fill([config.numClasses], 1 / config.numClasses) as tf.Tensor1D,
    histogram: tf.fill([config.numClasses], 1 / config.numClasses) as tf.Tensor1D,
  })),
  toJSON: async (s) => ({
    threshold: await serializeTensor(s.threshold), classProbs: await serializeTensor(s.classProbs), histogram: await serializeTensor(s.histogram),
  }),
  fromJSON: (json, { config }) => {
    const j = json as Record<string, SerializedTensor> | null;
    check(j !== null && typeof j === 'object', 'checkpoint', () => 'is missing the FreeMatch statistics');
    const made: tf.Tensor[] = [];
    try {
      const read = (name: string, shape: number[]): tf.Tensor => {
        const t = deserializeTensor(j[name], `freematch.${name}`);
        checkStateTensor(t, `freematch.${name}`, shape);
        made.push(t);
        return t;
      };
      return {
        threshold: read('threshold', []) as tf.Scalar,
        classProbs: read('classProbs', [config.numClasses]) as tf.Tensor1D,
        histogram: read('histogram', [config.numClasses]) as tf.Tensor1D,
      };
    } catch (e) {
      tf.dispose(made);
      throw e;
    }
  },
};

/**
 * FreeMatch's self-adaptive thresholding (SAT): update τ, p̃, h̃ with this batch, then
 * m_b = [max q_b ≥ τ_ŷ_b] with τ_c = p̃_c / max p̃ · τ, ŷ = argmax q.
 */
export const freematchMasker: Masker<FreematchState> = {
  name: 'freematch',
  state,
  mask: ({ config }, weakProbs, s) => tf.tidy(() => {
    const probs = detach(weakProbs); // a constant: off the gradient tape (gather has no int32 gradient)
    const next = freematchUpdate(s, probs, options(config).momentum);
    const { labels, confidence } = hardPseudoLabels(probs);
    const mask = stopGradient(tf.cast(tf.greaterEqual(confidence, tf.gather(freematchThresholds(next), labels)), 'float32') as tf.Tensor1D);
    return { mask, pseudoLabels: labels, state: next };
  }),
};

/**
 * Self-adaptive fairness L_f = −H(SumNorm(p̃/h̃), SumNorm(p̄/h̄)) = Σ_c a_c log(b_c + 1e-12) (FreeMatch eq. 12),
 * a = SumNorm(p̃/h̃) from the masker's updated state, p̄ and h̄ the mean probabilities and the argmax histogram of the
 * student's strong views over the masked-in samples; 1/0 counts as 0. a and 1/h̄ are constants; the gradient flows
 * into the strong logits through p̄. 0 (zero gradient) when no sample is masked in.
 */
export function freematchFairness(strongLogits: tf.Tensor2D, mask: tf.Tensor1D, s: FreematchState): tf.Scalar {
  return tf.tidy(() => {
    const [u, c] = strongLogits.shape;
    if (u === 0) return tf.mul(tf.sum(strongLogits), 0) as tf.Scalar;
    const inverse = (t: tf.Tensor): tf.Tensor => { // 1/t with 1/0 → 0
      const positive = tf.greaterEqual(t, 1e-30);
      return tf.where(positive, tf.div(1, tf.where(positive, t, tf.onesLike(t))), tf.zerosLike(t));
    };
    const sumNorm = (t: tf.Tensor): tf.Tensor => tf.div(t, tf.maximum(tf.sum(t), 1e-30));
    const target = stopGradient(sumNorm(tf.mul(s.classProbs, inverse(s.histogram))) as tf.Tensor1D);
    const m = stopGradient(mask);
    const count = tf.sum(m);
    const active = tf.greaterEqual(count, 0.5);
    // With no sample masked in, average over every row instead: the value is then multiplied by 0, and the
    // finite stand-in keeps the gradient 0 rather than 0·∞ = NaN.
    const weights = tf.where(active, tf.div(m, tf.maximum(count, 1)), tf.fill([u], 1 / u)).reshape([-1, 1]);
    const probs = tf.softmax(strongLogits, -1);
    const meanProbs = tf.sum(tf.mul(probs, weights), 0);
    // The histogram of the strong views' argmax is a constant: computed on a view the gradient tape does not see.
    const histogram = tf.sum(tf.mul(tf.oneHot(tf.argMax(detach(strongLogits), 1), c).toFloat(), weights), 0);
    const batch = sumNorm(tf.mul(meanProbs, inverse(histogram)));
    const loss = tf.sum(tf.mul(target, tf.log(tf.add(batch, 1e-12))));
    return tf.mul(loss, tf.cast(active, 'float32')) as tf.Scalar;
  });
}

/** The fairness term as a component: weight config.freematch.fairnessWeight, reads the FreeMatch masker's state. */
export const fairnessTerm: ExtraTerm<undefined> = {
  name: 'fairness',
  usesReferenceModel: false,
  weight: (config) => options(config).fairnessWeight,
  loss: ({ strongLogits }, { mask, maskerState }) => {
    check(maskerState !== undefined, 'fairnessTerm', () => 'needs the FreeMatch masker state');
    return { loss: freematchFairness(strongLogits, mask, maskerState as FreematchState) };
  },
};

/** FreeMatch (Wang et al., ICLR 2023): self-adaptive global and class-wise thresholds, and the self-adaptive fairness term. */
export const freematch: Algorithm = {
  name: 'freematch',
  description: 'FreeMatch: self-adaptive global and class-wise thresholds (EMA of confidence), self-adaptive fairness term',
  reference: 'Wang et al., ICLR 2023',
  unlabeled: true,
  alignment: 'none',
  masker: freematchMasker as Masker,
  terms: [fairnessTerm as ExtraTerm],
  config: section,
};
