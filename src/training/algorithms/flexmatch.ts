import * as tf from '@tensorflow/tfjs';
import { hardPseudoLabels } from '../../math/pseudoLabels';
import { deserializeTensor, serializeTensor, type SerializedTensor } from '../../state/serialize';
import { check, shapeString } from '../../util/checks';
import { detach, stopGradient } from '../../util/numerics';
import { defineSection } from '../optionSchema';
import type { Algorithm, ComponentState, Masker } from './types';

/** How the learning effect β ∈ [0,1] becomes a threshold factor: convex β/(2 − β) (the paper's choice) or linear β. */
export const FLEXMATCH_MAPPINGS = ['convex', 'linear'] as const;
export type FlexmatchMapping = (typeof FLEXMATCH_MAPPINGS)[number];

/** FlexMatch's options (config section `flexmatch`): threshold warm-up and the mapping of learning effects to thresholds. */
export interface FlexmatchOptions {
  /** Threshold warm-up: unused samples count in β's denominator, so thresholds start at 0 and rise (default true). */
  warmup: boolean;
  mapping: FlexmatchMapping;
}

/** The latest confident prediction of every unlabeled sample: ŷ where max q ≥ τ was last seen, −1 if never. int32 [N]. */
export interface FlexmatchState {
  predictions: tf.Tensor1D;
}

const section = defineSection<FlexmatchOptions>('flexmatch', 'FlexMatch', {
  warmup: { kind: { type: 'boolean' }, default: true,
    help: 'FlexMatch threshold warm-up: unused samples count, thresholds start at 0 (--no-flexmatch-warmup to turn off)', cli: { flag: 'flexmatch-warmup', key: 'flexmatchWarmup' } },
  mapping: { kind: { type: 'enum', values: FLEXMATCH_MAPPINGS }, default: 'convex',
    help: `FlexMatch threshold mapping M(β): ${FLEXMATCH_MAPPINGS.join(', ')}`, cli: { flag: 'flexmatch-mapping', key: 'flexmatchMapping', valueName: 'M' } },
});

const options = section.read;

/**
 * Class-wise thresholds T_c = M(β_c)·τ (Zhang et al., FlexMatch, NeurIPS 2021, eqs. 6, 7, 11).
 * σ_c = #{n : predictions_n = c} (samples whose last confident prediction is c), unused = #{n : predictions_n = −1};
 * β_c = σ_c / max(max_c σ_c, unused) with warm-up, σ_c / max_c σ_c without; β_c = 0 when the denominator is 0
 * (no confident prediction yet: every threshold is 0). M(β) = β/(2 − β) ('convex') or β ('linear').
 * Returns T [C].
 */
export function flexmatchThresholds(predictions: tf.Tensor1D, numClasses: number, threshold: number, opts: FlexmatchOptions): tf.Tensor1D {
  return tf.tidy(() => {
    const counts = tf.sum(tf.oneHot(predictions, numClasses), 0).toFloat();
    const unused = tf.sub(predictions.shape[0], tf.sum(counts));
    const top = tf.max(counts);
    const denominator = opts.warmup ? tf.maximum(top, unused) : top;
    const beta = tf.div(counts, tf.maximum(denominator, 1)); // σ_c = 0 whenever the denominator is 0
    const factor = opts.mapping === 'convex' ? tf.div(beta, tf.sub(2, beta)) : beta;
    return tf.mul(factor, threshold) as tf.Tensor1D;
  });
}

const state: ComponentState<FlexmatchState> = {
  key: 'flexmatch',
  init: ({ config }) => ({ predictions: tf.fill([config.memory.numSamples], -1, 'int32') as tf.Tensor1D }),
  toJSON: async (s) => ({ predictions: await serializeTensor(s.predictions) }),
  fromJSON: (json, { config }) => {
    const j = json as { predictions?: SerializedTensor } | null;
    check(j !== null && typeof j === 'object' && j.predictions !== undefined, 'checkpoint', () => 'is missing the FlexMatch predictions');
    const predictions = deserializeTensor(j.predictions, 'flexmatch.predictions');
    const values = predictions.dataSync();
    const n = config.memory.numSamples;
    const bad = values.findIndex((v) => !Number.isInteger(v) || v < -1 || v >= config.numClasses);
    if (predictions.dtype !== 'int32' || predictions.rank !== 1 || predictions.shape[0] !== n || bad >= 0) {
      const found = `${predictions.dtype} ${shapeString(predictions.shape)}${bad >= 0 ? ` with value ${values[bad]} at ${bad}` : ''}`;
      predictions.dispose();
      check(false, 'checkpoint', () => `flexmatch.predictions must be int32 [${n}] with values in [−1, ${config.numClasses}), got ${found}`);
    }
    return { predictions: predictions as tf.Tensor1D };
  },
};

/**
 * FlexMatch's masker: m_b = [max q_b ≥ T_ŷ_b] with T from the predictions before this step; then every
 * sample with max q ≥ τ records ŷ at its id (the next step's thresholds see it).
 */
export const flexmatchMasker: Masker<FlexmatchState> = {
  name: 'flexmatch',
  state,
  mask: ({ config, indices }, probs, s) => {
    check(indices !== undefined, 'flexmatch', () => 'needs the unlabeled sample ids (UnlabeledBatch.indices)');
    return tf.tidy(() => {
      // A constant: read through a view the gradient tape does not see (gather has no int32 gradient).
      const { labels, confidence } = hardPseudoLabels(detach(probs));
      const thresholds = flexmatchThresholds(s.predictions, config.numClasses, config.threshold, options(config));
      const mask = stopGradient(tf.cast(tf.greaterEqual(confidence, tf.gather(thresholds, labels)), 'float32') as tf.Tensor1D);
      const confident = tf.greaterEqual(confidence, config.threshold);
      const rows = tf.where(confident, labels, tf.gather(s.predictions, indices)) as tf.Tensor1D;
      // tfjs 4.22's cpu TensorScatterUpdate writes into its input buffer: scatter into a fresh copy.
      const fresh = tf.mul(s.predictions, tf.scalar(1, 'int32'));
      const predictions = tf.tensorScatterUpdate(fresh, tf.expandDims(indices, 1), rows) as tf.Tensor1D;
      return { mask, pseudoLabels: labels, state: { predictions } };
    });
  },
};

/** FlexMatch (Zhang et al., NeurIPS 2021): curriculum pseudo labelling with class-wise thresholds from each class's learning status. */
export const flexmatch: Algorithm = {
  name: 'flexmatch',
  description: 'FlexMatch: class-wise thresholds M(β_c)·τ from how many samples each class has learned (warm-up, convex M)',
  reference: 'Zhang et al., NeurIPS 2021',
  unlabeled: true,
  alignment: 'none',
  masker: flexmatchMasker as Masker,
  config: section,
  usesSampleIds: true,
  check: (config, fn) => check(config.memory.numSamples > 0, fn, () =>
    `method '${config.method}' keeps a prediction per unlabeled sample: it needs option 'memory.numSamples' (the number of unlabeled sample ids)`),
};
