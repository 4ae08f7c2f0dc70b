import * as tf from '@tensorflow/tfjs';
import { maskedUnlabeledLoss } from '../math/fixmatchLoss';
import { softmaxProbabilities } from '../math/probabilities';
import { logitAdjustedCrossEntropy } from '../math/logitAdjustedCrossEntropy';
import { softCrossEntropy } from '../math/softCrossEntropy';
import { deriveSeed } from '../state/random';
import { stopGradient } from '../util/numerics';
import { resolveMethod, type MethodRecipe } from './algorithms/registry';
import type { StateMap, UnlabeledStep } from './algorithms/types';
import type { TrainerConfig } from './configTypes';
import type { ModelHandle } from './trainableModel';

/** Everything one step's objective reads; views are already augmented and preprocessed. */
export interface ObjectiveInputs {
  student: ModelHandle;
  config: TrainerConfig;
  /** The method's components (default: resolveMethod(config)). */
  recipe?: MethodRecipe;
  /** weak(x) [B,H,W,C] and labels int32 [B]. */
  weakLabeled: tf.Tensor4D;
  labels: tf.Tensor1D;
  /** weak(u), strong(u) [U,H,W,C]; absent for method 'supervised'. */
  weakUnlabeled?: tf.Tensor4D;
  strongUnlabeled?: tf.Tensor4D;
  /** Reference model outputs on weak(u) (inference mode, computed outside the gradient closure). */
  reference?: { probs: tf.Tensor2D; features: tf.Tensor2D };
  /** The unlabeled batch's sample ids int32 [U] (the temporal memory, per-sample maskers). */
  indices?: tf.Tensor1D;
  /** Every component state by key (see MethodRecipe.states); read, never disposed. */
  states?: StateMap;
  /** Seed for this step's k-means (IPH). */
  kmeansSeed: number;
  /** k, this step's 0-based index (default 0): components read it from the step context. */
  step?: number;
  /** Labeled sample ids int32 [B], when the labeled source gives them. */
  labeledIndices?: tf.Tensor1D;
}

/** The step's terms and the constants the trainer logs or carries to the next step. Every tensor is new. */
export interface ObjectiveOutputs {
  /** L = L_s + λu·L_u + Σ_t λ_t·L_t over the method's extra terms. */
  total: tf.Scalar;
  supervised: tf.Scalar;
  unlabeled: tf.Scalar;
  /** Each extra term L_t by name (e.g. iph), before its weight. */
  terms: Record<string, tf.Scalar>;
  /** Unlabeled-side constants (absent for 'supervised'): mask [U], pseudo labels int32 [U], student weak-view probs before alignment [U,C]. */
  mask?: tf.Tensor1D;
  pseudoLabels?: tf.Tensor1D;
  studentProbs?: tf.Tensor2D;
  /** AdaPL loss estimates L̂ [U] (AdaPL targets). */
  estimates?: tf.Tensor1D;
  /** The component states after this step, by key (only those that changed). */
  states: Record<string, unknown>;
}

/**
 * The training objective of one step, composed from the method's components (src/training/algorithms):
 * one student forward (training mode) over concat([weak(x); weak(u); strong(u)]), split into the three
 * views; L_s = CE(y, z(weak(x))); q = softmax(z(weak(u))) with zero gradient; q̂ = alignment(q);
 * (m, ŷ) = masker(q̂); t = targets(q̂, ŷ, p̃); L_u = (1/U) Σ_b m_b H(t_b, softmax(z'_b)) with z' = z(strong(u))
 * or the algorithm's rewrite of it (DebiasPL); L_s is cross-entropy or the logit-adjusted loss (config.supervisedLoss);
 * each extra term (IPH, …) adds λ_t·L_t. Call it inside tf.variableGrads.
 */
export function semiSupervisedObjective(inputs: ObjectiveInputs): ObjectiveOutputs {
  return tf.tidy(() => objectiveTerms(inputs) as unknown as tf.TensorContainer) as unknown as ObjectiveOutputs;
}

function objectiveTerms(inputs: ObjectiveInputs): ObjectiveOutputs {
  const { student, config } = inputs;
  const recipe = inputs.recipe ?? resolveMethod(config);
  const states: StateMap = inputs.states ?? {};
  const next: Record<string, unknown> = {};
  const stateOf = (key: string | undefined): unknown => (key === undefined ? undefined : states[key]);
  const b = inputs.weakLabeled.shape[0];
  const unlabeled = recipe.unlabeled;
  const reference = recipe.reference;
  if (reference?.beforeForward && reference.state) {
    next[reference.state.key] = reference.beforeForward(student.variables, stateOf(reference.state.key));
  }
  const views = unlabeled
    ? tf.concat([inputs.weakLabeled, inputs.weakUnlabeled as tf.Tensor4D, inputs.strongUnlabeled as tf.Tensor4D], 0)
    : inputs.weakLabeled;
  const out = student.forward(views, true);
  const u = unlabeled ? (inputs.weakUnlabeled as tf.Tensor4D).shape[0] : 0;
  const [logitsX, logitsWeakU, logitsStrongU] = unlabeled ? tf.split(out.logits, [b, u, u], 0) as tf.Tensor2D[] : [out.logits];
  const targetsX = tf.oneHot(tf.cast(inputs.labels, 'int32') as tf.Tensor1D, config.numClasses).toFloat() as tf.Tensor2D;
  const supervised = (config.supervisedLoss.kind === 'logit-adjusted'
    ? logitAdjustedCrossEntropy({ targets: targetsX, logits: logitsX, classPrior: tf.tensor1d(config.classPrior as number[]) },
      { tau: config.supervisedLoss.tau, reduction: 'mean' })
    : softCrossEntropy({ targets: targetsX, logits: logitsX }, { reduction: 'mean' })) as tf.Scalar;
  if (!unlabeled) {
    return { total: supervised.clone(), supervised, unlabeled: tf.scalar(0), terms: {}, states: next };
  }
  const studentProbs = stopGradient(softmaxProbabilities(logitsWeakU));
  const k = inputs.step ?? 0;
  // Fields no component of most methods reads are computed on first access (inside this tidy), so a step
  // runs no kernel for them unless a component asks: tfjs-node pays a fixed cost per op.
  const labeled = lazyFields({ logits: logitsX, labels: inputs.labels, ids: inputs.labeledIndices }, {
    probs: () => stopGradient(softmaxProbabilities(logitsX)),
    features: () => tf.slice(out.features, [0, 0], [b, -1]) as tf.Tensor2D,
  });
  const step = lazyFields({
    config, step: k, totalSteps: config.totalSteps, seed: (purpose: string) => deriveSeed(config.seed, k, purposeId(purpose)),
    labeled, supervisedLoss: supervised, studentProbs, strongLogits: logitsStrongU,
    studentFeatures: tf.slice(out.features, [b, 0], [u, -1]) as tf.Tensor2D,
    reference: inputs.reference, indices: inputs.indices, kmeansSeed: inputs.kmeansSeed, states,
  }, {
    weakLogits: () => stopGradient(logitsWeakU),
    strongFeatures: () => tf.slice(out.features, [b + u, 0], [u, -1]) as tf.Tensor2D,
  }) as UnlabeledStep;
  let probs = studentProbs;
  if (recipe.alignment) {
    const aligned = recipe.alignment.align(step, studentProbs, stateOf(recipe.alignment.state.key));
    probs = aligned.probs;
    next[recipe.alignment.state.key] = aligned.state;
  }
  const masked = recipe.masker.mask(step, probs, stateOf(recipe.masker.state?.key));
  if (recipe.masker.state && masked.state !== undefined) next[recipe.masker.state.key] = masked.state;
  const referenceState = stateOf(reference?.state?.key);
  const referenceProbs = recipe.targets.usesReference && reference ? reference.probs(step, referenceState) : undefined;
  const { targets, estimates } = recipe.targets.targets(step, probs, masked.pseudoLabels, referenceProbs);
  const strongLogits = recipe.algorithm.strongLogits ? recipe.algorithm.strongLogits(step, logitsStrongU, { ...states, ...next }) : logitsStrongU;
  const unlabeledLoss = maskedUnlabeledLoss({ targets, strongLogits, mask: masked.mask });
  const pieces = { probs, mask: masked.mask, pseudoLabels: masked.pseudoLabels, maskerState: recipe.masker.state ? next[recipe.masker.state.key] : undefined };
  const terms: Record<string, tf.Scalar> = {};
  const weighted: tf.Tensor[] = [supervised, tf.mul(unlabeledLoss, config.lambdaU)];
  for (const term of recipe.terms) {
    const r = term.loss(step, pieces, stateOf(term.state?.key));
    if (term.state && r.state !== undefined) next[term.state.key] = r.state;
    terms[term.name] = r.loss;
    weighted.push(tf.mul(r.loss, term.weight(config)));
  }
  if (reference?.update && reference.state) next[reference.state.key] = reference.update(step, referenceState);
  const total = tf.addN(weighted) as tf.Scalar;
  return {
    total, supervised, unlabeled: unlabeledLoss, terms, mask: masked.mask, pseudoLabels: masked.pseudoLabels,
    studentProbs, estimates, states: next,
  };
}

/** `fixed` plus getters that compute each of `lazy` once, on first access. */
function lazyFields<F extends object, L extends Record<string, () => unknown>>(fixed: F, lazy: L): F & { [K in keyof L]: ReturnType<L[K]> } {
  const out = { ...fixed } as Record<string, unknown>;
  for (const [key, make] of Object.entries(lazy)) {
    let value: unknown;
    let made = false;
    Object.defineProperty(out, key, {
      enumerable: true,
      get: () => {
        if (!made) {
          value = make();
          made = true;
        }
        return value;
      },
    });
  }
  return out as F & { [K in keyof L]: ReturnType<L[K]> };
}

/**
 * A stable 31-bit id of a component's seed purpose (FNV-1a of the string), kept clear of the trainer's
 * own numeric purposes (SEED_PURPOSE, 1–5) by starting at 1000.
 */
export function purposeId(purpose: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  return 1000 + (h % 0x7fff0000);
}

/**
 * Gradients of the objective with respect to the student's trainable variables (tf.variableGrads).
 * Returns the gradients keyed by variable name and the objective's outputs, all owned by the caller.
 */
export function objectiveGradients(inputs: ObjectiveInputs): { grads: Record<string, tf.Tensor>; outputs: ObjectiveOutputs } {
  let outputs: ObjectiveOutputs | undefined;
  let tape: TapeNode[] | undefined;
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    result = tf.variableGrads(() => {
      tape = activeTape();
      outputs = semiSupervisedObjective(inputs);
      keepAll(outputs);
      return outputs.total;
    }, inputs.student.trainable);
  } catch (e) {
    // tfjs keeps the tensors the backward pass needs (each tape node's `saved`) until it runs: a forward
    // that throws (a component's error) would leave them alive for good. Nothing else holds them.
    for (const node of tape ?? []) for (const t of node.saved ?? []) if (!t.isDisposed) t.dispose();
    throw e;
  }
  const { value, grads } = result;
  if (value !== outputs?.total) value.dispose();
  return { grads: grads as Record<string, tf.Tensor>, outputs: outputs as ObjectiveOutputs };
}

/** A node of tfjs's gradient tape, as far as disposing it goes (tfjs-core engine internals, 4.x). */
interface TapeNode { saved?: tf.Tensor[] }

/** The engine's active gradient tape (inside tf.variableGrads), or undefined. */
function activeTape(): TapeNode[] | undefined {
  const state = (tf.engine() as unknown as { state?: { activeTape?: TapeNode[] } }).state;
  return state?.activeTape;
}

function keepAll(v: unknown): void {
  if (v instanceof tf.Tensor) tf.keep(v);
  else if (v !== null && typeof v === 'object') Object.values(v).forEach(keepAll);
}
