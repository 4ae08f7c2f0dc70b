import * as tf from '@tensorflow/tfjs';
import { hardPseudoLabels } from '../../math/pseudoLabels';
import { deserializeTensor, serializeTensor, type SerializedTensor } from '../../state/serialize';
import { check, shapeString } from '../../util/checks';
import { detach, stopGradient } from '../../util/numerics';
import { defineSection } from '../optionSchema';
import type { Algorithm, Alignment, ComponentState, Masker } from './types';

/** SoftMatch's options (config section `softmatch`): EMA momentum, Gaussian width, uniform alignment. */
export interface SoftmatchOptions {
  /** EMA momentum m of the confidence mean/variance and of the alignment's class distribution (default 0.999). */
  momentum: number;
  /** The Gaussian's width in standard deviations: weights use variance σ²/nSigma² (default 2). */
  nSigma: number;
  /** Uniform alignment of the probabilities the weights are computed from (default true). */
  uniformAlignment: boolean;
}

/** Running mean μ and variance σ² of the batch's max probability (scalars). */
export type SoftmatchState = { mean: tf.Scalar; variance: tf.Scalar };
/** Running mean E[q] [C] of the student's weak-view probabilities, for uniform alignment. */
export type UniformAlignmentState = { classProbs: tf.Tensor1D };

const section = defineSection<SoftmatchOptions>('softmatch', 'SoftMatch', {
  momentum: { kind: { type: 'number', min: 0, max: 1, maxOpen: true }, default: 0.999,
    help: 'SoftMatch EMA momentum of the confidence mean/variance and of uniform alignment', cli: { flag: 'softmatch-momentum', key: 'softmatchMomentum', valueName: 'M' } },
  nSigma: { kind: { type: 'number', min: 0, minOpen: true }, default: 2,
    help: 'SoftMatch Gaussian width in standard deviations', cli: { flag: 'softmatch-n-sigma', key: 'softmatchNSigma', valueName: 'N' } },
  uniformAlignment: { kind: { type: 'boolean' }, default: true,
    help: 'SoftMatch uniform alignment of the weak probabilities (--no-uniform-alignment to turn off)', cli: { flag: 'uniform-alignment', key: 'uniformAlignment' } },
});

const options = section.read;

function readTensors<T extends Record<string, tf.Tensor>>(json: unknown, key: string, shapes: Record<keyof T & string, number[]>): T {
  const j = json as Record<string, SerializedTensor> | null;
  check(j !== null && typeof j === 'object', 'checkpoint', () => `is missing the ${key} state`);
  const out: Record<string, tf.Tensor> = {};
  try {
    for (const [name, shape] of Object.entries(shapes) as Array<[string, number[]]>) {
      const t = deserializeTensor(j[name], `${key}.${name}`);
      out[name] = t;
      const ok = t.dtype === 'float32' && t.rank === shape.length && t.shape.every((d, i) => d === shape[i]);
      check(ok, 'checkpoint', () => `${key}.${name} must be float32 ${shapeString(shape)}, got ${t.dtype} ${shapeString(t.shape)}`);
    }
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  }
  return out as T;
}

/**
 * One EMA step of the confidence statistics from max probabilities s [U] (Chen et al., SoftMatch, ICLR 2023, eq. 7):
 * μ ← mμ + (1−m)·mean s,  σ² ← mσ² + (1−m)·var s (unbiased, as the paper's reference code).
 * With U = 1 the variance is undefined and σ² is kept; with U = 0 both are kept.
 */
export function softmatchUpdate(s: SoftmatchState, maxProbs: tf.Tensor1D, momentum: number): SoftmatchState {
  return tf.tidy(() => {
    const u = maxProbs.shape[0];
    if (u === 0) return { mean: s.mean.clone(), variance: s.variance.clone() };
    const batchMean = tf.mean(maxProbs);
    const mean = tf.add(tf.mul(s.mean, momentum), tf.mul(batchMean, 1 - momentum)) as tf.Scalar;
    if (u === 1) return { mean, variance: s.variance.clone() };
    const batchVariance = tf.div(tf.sum(tf.square(tf.sub(maxProbs, batchMean))), u - 1);
    return { mean, variance: tf.add(tf.mul(s.variance, momentum), tf.mul(batchVariance, 1 - momentum)) as tf.Scalar };
  });
}

/** Truncated Gaussian weights λ_b = exp(−min(s_b − μ, 0)² / (2σ²/nSigma²)): 1 at or above the mean, decaying below ([U]). */
export function softmatchWeights(maxProbs: tf.Tensor1D, s: SoftmatchState, nSigma: number): tf.Tensor1D {
  return tf.tidy(() => {
    const below = tf.minimum(tf.sub(maxProbs, s.mean), 0);
    return tf.exp(tf.neg(tf.div(tf.square(below), tf.mul(s.variance, 2 / (nSigma * nSigma))))) as tf.Tensor1D;
  });
}

const maskerState: ComponentState<SoftmatchState> = {
  key: 'softmatch',
  // μ_0 = 1/C, σ²_0 = 1, as the paper initialises them.
  init: ({ config }) => ({ mean: tf.scalar(1 / config.numClasses), variance: tf.scalar(1) }),
  toJSON: async (s) => ({ mean: await serializeTensor(s.mean), variance: await serializeTensor(s.variance) }),
  fromJSON: (json) => readTensors<SoftmatchState>(json, 'softmatch', { mean: [], variance: [] }),
};

/**
 * SoftMatch's weighting: update μ, σ² with this batch's max q̂ (aligned), then m_b = softmatchWeights(max q̂_b);
 * the pseudo labels are argmax of the unaligned q (alignment only shapes the weights).
 */
export const softmatchMasker: Masker<SoftmatchState> = {
  name: 'softmatch',
  state: maskerState,
  mask: ({ config, studentProbs }, alignedProbs, s) => tf.tidy(() => {
    const { momentum, nSigma } = options(config);
    const confidence = tf.max(detach(alignedProbs), 1) as tf.Tensor1D; // a constant: off the gradient tape
    const next = softmatchUpdate(s, confidence, momentum);
    const mask = stopGradient(softmatchWeights(confidence, next, nSigma));
    return { mask, pseudoLabels: hardPseudoLabels(detach(studentProbs)).labels, state: next };
  }),
};

/**
 * Uniform alignment (SoftMatch eq. 9): E[q] ← mE[q] + (1−m)·mean_b q_b, then q̂ = Normalize(q · (1/C) / E[q])
 * (USB's +1e-6 on both sides of the ratio keeps an empty class finite). E[q] starts uniform.
 */
export const uniformAlignment: Alignment<UniformAlignmentState> = {
  name: 'uniform',
  enabled: (config) => options(config).uniformAlignment,
  state: {
    key: 'softmatchAlignment',
    init: ({ config }) => ({ classProbs: tf.fill([config.numClasses], 1 / config.numClasses) as tf.Tensor1D }),
    toJSON: async (s) => ({ classProbs: await serializeTensor(s.classProbs) }),
    fromJSON: (json, { config }) => readTensors<UniformAlignmentState>(json, 'softmatchAlignment', { classProbs: [config.numClasses] }),
  },
  align: ({ config }, weakProbs, s) => tf.tidy(() => {
    const probs = detach(weakProbs);
    const c = probs.shape[1];
    const m = options(config).momentum;
    const classProbs = probs.shape[0] === 0
      ? s.classProbs.clone()
      : tf.add(tf.mul(s.classProbs, m), tf.mul(tf.mean(probs, 0), 1 - m)) as tf.Tensor1D;
    const scaled = tf.mul(probs, tf.div(1 / c + 1e-6, tf.add(classProbs, 1e-6)));
    return { probs: tf.div(scaled, tf.sum(scaled, 1, true)) as tf.Tensor2D, state: { classProbs } };
  }),
};

/** SoftMatch (Chen et al., ICLR 2023): every pseudo label counts, weighted by a truncated Gaussian of its confidence. */
export const softmatch: Algorithm = {
  name: 'softmatch',
  description: 'SoftMatch: truncated-Gaussian sample weights from the EMA mean and variance of confidence, uniform alignment',
  reference: 'Chen et al., ICLR 2023',
  unlabeled: true,
  alignment: uniformAlignment as Alignment,
  masker: softmatchMasker as Masker,
  config: section,
};
