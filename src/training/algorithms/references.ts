import * as tf from '@tensorflow/tfjs';
import { softmaxProbabilities } from '../../math/probabilities';
import { deserializeTensor, serializeTensor, type SerializedTensor } from '../../state/serialize';
import {
  temporalMemoryFromJSON, temporalMemoryInit, temporalMemoryRead, temporalMemoryToJSON, temporalMemoryUpdate,
  type TemporalMemoryJSON, type TemporalMemoryState,
} from '../../state/temporalMemory';
import { check, shapeString } from '../../util/checks';
import type { ReferenceKind } from '../configTypes';
import type { ModelHandle } from '../trainableModel';
import type { ComponentContext, ReferenceSource } from './types';

const modelProbs = (step: { reference?: { probs: tf.Tensor2D } }): tf.Tensor2D => {
  check(step.reference !== undefined, 'reference', () => 'the reference model forward is missing');
  return step.reference.probs;
};

/** p̃ = softmax(z), f̃ of `model` on weak(u), in inference mode. */
const modelOutputs = (model: ModelHandle, weakUnlabeled: tf.Tensor4D): { probs: tf.Tensor2D; features: tf.Tensor2D } => tf.tidy(() => {
  const out = model.forward(weakUnlabeled, false);
  return { probs: softmaxProbabilities(out.logits), features: out.features };
});

/** The EMA teacher (its weights are the trainer's 'ema' state): no state of its own. */
const ema: ReferenceSource<undefined> = {
  name: 'ema',
  usesModel: true,
  forward: (weakUnlabeled, models) => modelOutputs(models.teacher, weakUnlabeled),
  probs: (step) => modelProbs(step),
};

/** The student's weights θ_{k−1} of the step before, in variable order. */
export interface PreviousWeightsState {
  weights: tf.Tensor[];
}

function checkWeights(weights: readonly tf.Tensor[], ctx: ComponentContext, field: string): void {
  check(weights.length === ctx.studentVariables.length, 'checkpoint', () =>
    `must hold ${ctx.studentVariables.length} previous-step weights, got ${weights.length}`);
  weights.forEach((t, i) => {
    const v = ctx.studentVariables[i];
    check(t.dtype === v.dtype && t.shape.length === v.shape.length && t.shape.every((d, j) => d === v.shape[j]), 'checkpoint', () =>
      `${field}[${i}] is ${t.dtype} ${shapeString(t.shape)}, the model's variable ${i} is ${v.dtype} ${shapeString(v.shape)}`);
  });
}

/** The previous step's model (momentum 0): a weight snapshot taken at the start of every step, for the next. */
const previous: ReferenceSource<PreviousWeightsState> = {
  name: 'previous',
  usesModel: true,
  state: {
    key: 'previous',
    init: (ctx) => ({ weights: ctx.studentVariables.map((v) => v.clone()) }),
    toJSON: async (s) => Promise.all(s.weights.map((w) => serializeTensor(w))),
    fromJSON: (json, ctx) => {
      check(Array.isArray(json), 'checkpoint', () => `must hold ${ctx.studentVariables.length} previous-step weights`);
      const weights: tf.Tensor[] = [];
      try {
        (json as SerializedTensor[]).forEach((s, i) => weights.push(deserializeTensor(s, `previous[${i}]`)));
        checkWeights(weights, ctx, 'previous');
      } catch (e) {
        tf.dispose(weights);
        throw e;
      }
      return { weights };
    },
  },
  spareModel: true,
  // the spare model takes θ_{k−1} and runs the forward
  forward: (weakUnlabeled, models, s) => {
    check(models.spare !== undefined, 'reference', () => 'the previous-step reference needs a spare model');
    const spare = models.spare;
    spare.variables.forEach((v, i) => v.assign(s.weights[i]));
    return modelOutputs(spare, weakUnlabeled);
  },
  probs: (step) => modelProbs(step),
  // θ_k with the batch-norm statistics before this step's training forward changes them.
  beforeForward: (studentVariables) => ({ weights: studentVariables.map((v) => v.clone()) }),
};

/** A per-sample running average of the student's weak-view probabilities (config.memory); AdaPL only (no features). */
const memory: ReferenceSource<TemporalMemoryState> = {
  name: 'memory',
  usesModel: false,
  state: {
    key: 'memory',
    init: ({ config }) => temporalMemoryInit(config.memory.numSamples, config.numClasses, { momentum: config.memory.momentum }),
    toJSON: (s) => temporalMemoryToJSON(s),
    fromJSON: (json, { config }) => {
      check(json !== null && json !== undefined, 'checkpoint', () => 'is missing the temporal memory');
      const s = temporalMemoryFromJSON(json as TemporalMemoryJSON);
      if (s.probs.shape[0] !== config.memory.numSamples || s.probs.shape[1] !== config.numClasses) {
        const shape = shapeString(s.probs.shape);
        tf.dispose([s.probs, s.seen]);
        check(false, 'checkpoint', () => `memory holds ${shape}, the config says [${config.memory.numSamples},${config.numClasses}]`);
      }
      return s;
    },
  },
  probs: (step, s) => {
    check(step.indices !== undefined, 'reference', () => 'the temporal memory needs the unlabeled sample ids');
    const { probs, seen } = temporalMemoryRead(s, step.indices, { fallback: step.studentProbs });
    seen.dispose();
    return probs;
  },
  update: (step, s) => temporalMemoryUpdate(s, step.indices as tf.Tensor1D, step.studentProbs),
};

/** The reference sources by config.reference. */
export const REFERENCE_SOURCES: Record<ReferenceKind, ReferenceSource> = {
  ema, previous, memory,
} as Record<ReferenceKind, ReferenceSource>;
