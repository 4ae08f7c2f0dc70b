import * as tf from '@tensorflow/tfjs';
import { hardPseudoLabels } from '../../math/pseudoLabels';
import { deserializeTensor, serializeTensor, type SerializedTensor } from '../../state/serialize';
import { check, shapeString } from '../../util/checks';
import { detach, stopGradient } from '../../util/numerics';
import { defineSection } from '../optionSchema';
import type { Algorithm, Alignment, ComponentState, Masker } from './types';

/** AdaMatch's options (config section `adamatch`). */
export interface AdamatchOptions {
  /** EMA momentum of the labeled and unlabeled class distributions of relative alignment (default 0.999). */
  momentum: number;
}

/** EMAs of the mean labeled prediction (target) and mean unlabeled prediction (model), [C] each. */
export type RelativeAlignmentState = { target: tf.Tensor1D; model: tf.Tensor1D };

const section = defineSection<AdamatchOptions>('adamatch', 'AdaMatch', {
  momentum: { kind: { type: 'number', min: 0, max: 1, maxOpen: true }, default: 0.999,
    help: 'AdaMatch EMA momentum of the class distributions of relative alignment', cli: { flag: 'adamatch-momentum', key: 'adamatchMomentum', valueName: 'M' } },
});

const options = section.read;

/** Rows summing to 1 of q·(target + ε)/(model + ε), ε = 1e-6 (USB's guard for an empty class). */
export function relativeAlignment(probs: tf.Tensor2D, s: RelativeAlignmentState): tf.Tensor2D {
  return tf.tidy(() => {
    const scaled = tf.mul(probs, tf.div(tf.add(s.target, 1e-6), tf.add(s.model, 1e-6)));
    return tf.div(scaled, tf.sum(scaled, 1, true)) as tf.Tensor2D;
  });
}

const readVector = (json: unknown, name: string, numClasses: number): tf.Tensor1D => {
  const t = deserializeTensor((json as Record<string, SerializedTensor>)[name], `adamatchAlignment.${name}`);
  if (t.rank !== 1 || t.shape[0] !== numClasses || t.dtype !== 'float32') {
    const shape = shapeString(t.shape);
    t.dispose();
    check(false, 'checkpoint', () => `adamatchAlignment.${name} must be float32 [${numClasses}], got ${shape}`);
  }
  return t as tf.Tensor1D;
};

/**
 * AdaMatch's relative distribution alignment (Berthelot et al., ICLR 2022, §3.2): EMAs of the mean
 * labeled-batch prediction p_target and of the mean unlabeled weak-view prediction p_model are updated
 * with this step's batches (both start uniform), then q̂ = normalise(q · p_target / p_model). Reads the
 * labeled probabilities from the step context.
 */
export const relativeAlignmentComponent: Alignment<RelativeAlignmentState> = {
  name: 'relative',
  state: {
    key: 'adamatchAlignment',
    init: ({ config }) => ({
      target: tf.fill([config.numClasses], 1 / config.numClasses) as tf.Tensor1D,
      model: tf.fill([config.numClasses], 1 / config.numClasses) as tf.Tensor1D,
    }),
    toJSON: async (s) => ({ target: await serializeTensor(s.target), model: await serializeTensor(s.model) }),
    fromJSON: (json, { config }) => {
      check(json !== null && typeof json === 'object', 'checkpoint', () => 'is missing the AdaMatch alignment state');
      const target = readVector(json, 'target', config.numClasses);
      try {
        return { target, model: readVector(json, 'model', config.numClasses) };
      } catch (e) {
        target.dispose();
        throw e;
      }
    },
  },
  align: ({ config, labeled }, weakProbs, s) => tf.tidy(() => {
    const m = options(config).momentum;
    const probs = detach(weakProbs);
    const ema = (old: tf.Tensor1D, batch: tf.Tensor2D): tf.Tensor1D => (batch.shape[0] === 0
      ? old.clone() : tf.add(tf.mul(old, m), tf.mul(tf.mean(batch, 0), 1 - m)) as tf.Tensor1D);
    const next = { target: ema(s.target, labeled.probs), model: ema(s.model, probs) };
    return { probs: relativeAlignment(probs, next), state: next };
  }),
};

/**
 * AdaMatch's relative confidence threshold (Berthelot et al., ICLR 2022, §3.3): τ_rel = τ · mean_b max_c
 * p(weak(x_b))_c over the labeled batch, m_b = [max q̂_b ≥ τ_rel], ŷ = argmax q̂ (τ = config.threshold).
 */
export const relativeThreshold: Masker<undefined> = {
  name: 'relative-threshold',
  mask: ({ config, labeled }, probs) => tf.tidy(() => {
    const rows = labeled.probs.shape[0];
    const labeledConfidence = rows === 0 ? 1 : tf.mean(tf.max(labeled.probs, 1));
    const threshold = tf.mul(labeledConfidence, config.threshold);
    const q = detach(probs);
    const mask = stopGradient(tf.cast(tf.greaterEqual(tf.max(q, 1), threshold), 'float32') as tf.Tensor1D);
    return { mask, pseudoLabels: hardPseudoLabels(q).labels };
  }),
};

/**
 * AdaMatch (Berthelot et al., "AdaMatch: A Unified Approach to Semi-Supervised Learning and Domain
 * Adaptation", ICLR 2022), its semi-supervised form: relative alignment and the relative threshold
 * (without the random logit interpolation and the loss warm-up of the domain-adaptation setting).
 */
export const adamatch: Algorithm = {
  name: 'adamatch',
  description: 'AdaMatch: relative confidence threshold (τ × the labeled batch\'s mean confidence) and relative distribution alignment',
  reference: 'Berthelot et al., ICLR 2022',
  unlabeled: true,
  alignment: relativeAlignmentComponent as Alignment,
  masker: relativeThreshold,
  config: section,
};
