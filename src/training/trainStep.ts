import * as tf from '@tensorflow/tfjs';
import { adaplLoss } from '../math/adaplLoss';
import { fixmatchLoss } from '../math/fixmatchLoss';
import { iphLoss } from '../math/iphLoss';
import { softmaxProbabilities } from '../math/probabilities';
import { hardPseudoLabels } from '../math/pseudoLabels';
import { softCrossEntropy } from '../math/softCrossEntropy';
import {
  alignDistribution, distributionAlignmentUpdate, type DistributionAlignmentState,
} from '../state/distributionAlignment';
import { temporalMemoryRead, type TemporalMemoryState } from '../state/temporalMemory';
import { stopGradient } from '../util/numerics';
import { methodUses, type TrainerConfig } from './config';
import type { ModelHandle } from './trainableModel';

/** Everything one step's objective reads; views are already augmented and preprocessed. */
export interface ObjectiveInputs {
  student: ModelHandle;
  config: TrainerConfig;
  /** weak(x) [B,H,W,C] and labels int32 [B]. */
  weakLabeled: tf.Tensor4D;
  labels: tf.Tensor1D;
  /** weak(u), strong(u) [U,H,W,C]; absent for method 'supervised'. */
  weakUnlabeled?: tf.Tensor4D;
  strongUnlabeled?: tf.Tensor4D;
  /** Reference model outputs on weak(u) (inference mode, computed outside the gradient closure). */
  reference?: { probs: tf.Tensor2D; features: tf.Tensor2D };
  /** Temporal memory and the batch's sample ids (reference 'memory'). */
  memory?: { state: TemporalMemoryState; indices: tf.Tensor1D };
  distributionAlignment?: DistributionAlignmentState;
  /** Seed for this step's k-means (IPH). */
  kmeansSeed: number;
}

/** The step's terms and the constants the trainer logs or carries to the next step. Every tensor is new. */
export interface ObjectiveOutputs {
  /** L = L_s + λu·L_u + λiph·L_IPH. */
  total: tf.Scalar;
  supervised: tf.Scalar;
  unlabeled: tf.Scalar;
  iph: tf.Scalar;
  /** Unlabeled-side constants (absent for 'supervised'): mask [U], pseudo labels int32 [U], student weak-view probs before alignment [U,C]. */
  mask?: tf.Tensor1D;
  pseudoLabels?: tf.Tensor1D;
  studentProbs?: tf.Tensor2D;
  /** AdaPL loss estimates L̂ [U] (methods adapl, tear). */
  estimates?: tf.Tensor1D;
  /** The distribution-alignment state after this step's push. */
  distributionAlignment?: DistributionAlignmentState;
}

/**
 * The training objective of one step, composed only from src/math and src/state:
 * one student forward (training mode) over concat([weak(x); weak(u); strong(u)]), split into
 * the three views; L_s = CE(y, z(weak(x))); q = softmax(z(weak(u))) with zero gradient, aligned
 * (push, then align); L_u = fixmatchLoss(q, z(strong(u))) or adaplLoss(q, p̃, z(strong(u)), p = q
 * before alignment); L_IPH = iphLoss(f(weak(u)), f̃, argmax p̃). Call it inside tf.variableGrads.
 */
export function semiSupervisedObjective(inputs: ObjectiveInputs): ObjectiveOutputs {
  return tf.tidy(() => objectiveTerms(inputs) as unknown as tf.TensorContainer) as unknown as ObjectiveOutputs;
}

function objectiveTerms(inputs: ObjectiveInputs): ObjectiveOutputs {
  const { student, config } = inputs;
  const b = inputs.weakLabeled.shape[0];
  const unlabeled = methodUses.unlabeled(config.method);
  {
    const views = unlabeled
      ? tf.concat([inputs.weakLabeled, inputs.weakUnlabeled as tf.Tensor4D, inputs.strongUnlabeled as tf.Tensor4D], 0)
      : inputs.weakLabeled;
    const out = student.forward(views, true);
    const u = unlabeled ? (inputs.weakUnlabeled as tf.Tensor4D).shape[0] : 0;
    const sizes = [b, u, u];
    const [logitsX, logitsWeakU, logitsStrongU] = unlabeled ? tf.split(out.logits, sizes, 0) as tf.Tensor2D[] : [out.logits];
    const targetsX = tf.oneHot(tf.cast(inputs.labels, 'int32') as tf.Tensor1D, config.numClasses).toFloat() as tf.Tensor2D;
    const supervised = softCrossEntropy(targetsX, logitsX, { reduction: 'mean' }) as tf.Scalar;
    if (!unlabeled) {
      return { total: supervised.clone(), supervised, unlabeled: tf.scalar(0), iph: tf.scalar(0) };
    }
    const studentProbs = stopGradient(softmaxProbabilities(logitsWeakU));
    let weakProbs = studentProbs;
    let distributionAlignment: DistributionAlignmentState | undefined;
    if (config.distributionAlignment.enabled) {
      distributionAlignment = distributionAlignmentUpdate(inputs.distributionAlignment as DistributionAlignmentState, studentProbs);
      weakProbs = alignDistribution(distributionAlignment, studentProbs);
    }
    let unlabeledLoss: tf.Scalar;
    let mask: tf.Tensor1D;
    let pseudoLabels: tf.Tensor1D;
    let estimates: tf.Tensor1D | undefined;
    if (methodUses.adapl(config.method)) {
      const referenceProbs = config.reference === 'memory'
        ? temporalMemoryRead(inputs.memory!.state, inputs.memory!.indices, { fallback: studentProbs }).probs
        : inputs.reference!.probs;
      const r = adaplLoss({ strongLogits: logitsStrongU, weakProbs, referenceProbs, studentProbs }, {
        threshold: config.threshold, mask: config.adapl.mask, distance: config.adapl.distance,
        entropy: config.adapl.entropy, gamma: config.adapl.gamma, wMin: config.adapl.wMin, spread: config.adapl.spread,
      });
      ({ loss: unlabeledLoss, mask, pseudoLabels, estimates } = r);
    } else {
      ({ loss: unlabeledLoss, mask, pseudoLabels } = fixmatchLoss({ weakProbs, strongLogits: logitsStrongU, threshold: config.threshold }));
    }
    let iph: tf.Scalar = tf.scalar(0);
    if (methodUses.iph(config.method)) {
      const reference = inputs.reference!;
      const weakFeatures = tf.slice(out.features, [b, 0], [u, -1]) as tf.Tensor2D;
      const referenceAssignments = config.iph.reference === 'prediction' ? hardPseudoLabels(reference.probs).labels : undefined;
      iph = iphLoss(
        { studentFeatures: weakFeatures, referenceFeatures: reference.features, referenceAssignments },
        {
          numClusters: config.iph.numClusters, reference: config.iph.reference, seed: inputs.kmeansSeed, kmeans: { ...config.iph.kmeans },
          referenceGroups: config.iph.reference === 'prediction' ? config.numClasses : config.iph.numClusters,
        },
      ).loss;
    }
    const total = tf.addN([supervised, tf.mul(unlabeledLoss, config.lambdaU), tf.mul(iph, config.lambdaIph)]) as tf.Scalar;
    return { total, supervised, unlabeled: unlabeledLoss, iph, mask, pseudoLabels, studentProbs, estimates, distributionAlignment };
  }
}

/**
 * Gradients of the objective with respect to the student's trainable variables (tf.variableGrads).
 * Returns the gradients keyed by variable name and the objective's outputs, all owned by the caller.
 */
export function objectiveGradients(inputs: ObjectiveInputs): { grads: Record<string, tf.Tensor>; outputs: ObjectiveOutputs } {
  let outputs: ObjectiveOutputs | undefined;
  const { value, grads } = tf.variableGrads(() => {
    outputs = semiSupervisedObjective(inputs);
    keepAll(outputs);
    return outputs.total;
  }, inputs.student.trainable);
  if (value !== outputs?.total) value.dispose();
  return { grads: grads as Record<string, tf.Tensor>, outputs: outputs as ObjectiveOutputs };
}

function keepAll(v: unknown): void {
  if (v instanceof tf.Tensor) tf.keep(v);
  else if (v !== null && typeof v === 'object') Object.values(v).forEach(keepAll);
}
