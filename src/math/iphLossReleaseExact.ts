import * as tf from '@tensorflow/tfjs';
import { check, checkInputs, checkNumber, checkSameDim, checkTensor, shapeString } from '../util/checks';
import { clusterPrototypes } from './clusterPrototypes';
import { groupSums, membership } from './groups';
import { detach } from '../util/numerics';
import { pairedCosine } from './cosine';
import { confidenceMask } from './pseudoLabels';
import { kmeans, type KMeansOptions } from './kmeans';
import { readSync } from '../util/syncRead';

const FN = 'iphLossReleaseExact';
const RELEASE_EPSILON = 1e-4;

/** Inputs of iphLossReleaseExact, as the authors' release passes them (docs/iph.md). */
export interface IphReleaseExactArgs {
  /** feat_x [B,d]: student features of the weak labeled views (receives gradient). */
  studentLabeledFeatures: tf.Tensor2D;
  /** feat_u_w [U,d]: student features of the weak unlabeled views (receives gradient). */
  studentUnlabeledFeatures: tf.Tensor2D;
  /** ema_x_feat [B,d]: reference (EMA) features of the weak labeled views. */
  referenceLabeledFeatures: tf.Tensor2D;
  /** ema_u_feat_weak [U,d]: reference features of the weak unlabeled views. */
  referenceUnlabeledFeatures: tf.Tensor2D;
  /** softmax of the student's labeled logits [B,C]: confidence mask of the labeled rows. */
  studentLabeledProbs: tf.Tensor2D;
  /** the student's weak unlabeled probabilities after distribution alignment [U,C]: confidence mask. */
  studentUnlabeledProbs: tf.Tensor2D;
  /** softmax of the reference's labeled logits [B,C]: argmax groups and confidence mask. */
  referenceLabeledProbs: tf.Tensor2D;
  /** the reference's unlabeled probabilities after its own distribution alignment [U,C]: argmax groups and mask. */
  referenceUnlabeledProbs: tf.Tensor2D;
  /** int32 [U] in [0,C): k-means ids of studentUnlabeledFeatures; computed with `kmeans` when omitted. */
  studentAssignments?: tf.Tensor1D;
}

/** Options of iphLossReleaseExact (docs/iph.md, release-exact mode). */
export interface IphReleaseExactOptions {
  /** Confidence threshold of the spread masks (the release's --thr-dist). Default 0.8. */
  threshold?: number;
  /** Seed of the k-means run when studentAssignments is omitted. Default 0. */
  seed?: number;
  /** restarts, maxIterations, tolerance of that k-means run. */
  kmeans?: KMeansOptions;
}

/** What iphLossReleaseExact returns (docs/iph.md). */
export interface IphReleaseExactResult {
  loss: tf.Scalar;
  /** int32 [U], the student cluster ids used (a copy when given). The caller disposes it. */
  assignments: tf.Tensor1D;
  /** Classes whose cosine term was added (non-zero student prototype mean, non-zero reference matrix mean). */
  numeratorClasses: number[];
  /** Numerator classes that passed the std gate; their count divides the sum. */
  denominatorClasses: number[];
}

/**
 * Per class, the mean of the rows of `features` [n,d] with ids = k and their confidence-weighted spread
 *   s_k = sqrt( Σ_n w_n (f_n − P_k)² / (Σ_n w_n + 1e-4) + 1e-4 ),   zero for an empty class → spread means [C].
 */
function spreadMeans(features: tf.Tensor2D, ids: tf.Tensor1D, weights: tf.Tensor1D, prototypes: tf.Tensor2D, counts: tf.Tensor1D, k: number): tf.Tensor1D {
  return tf.tidy(() => {
    const squares = tf.square(tf.sub(features, tf.matMul(membership(ids, k), prototypes)));
    const weighted = groupSums(tf.mul(squares, weights.reshape([-1, 1])) as tf.Tensor2D, ids, k);
    const weightSums = groupSums(weights.reshape([-1, 1]), ids, k);
    const spreads = tf.sqrt(weighted.div(weightSums.add(RELEASE_EPSILON)).add(RELEASE_EPSILON));
    return tf.mean(spreads, 1).mul(tf.cast(tf.greater(counts, 0), 'float32')) as tf.Tensor1D;
  });
}

/**
 * The released IPH arithmetic, bug for bug (spec §4), for parity tests against the authors' PyTorch code.
 * With J = [labeled; unlabeled] rows (B+U), a = student cluster ids on the U unlabeled rows, C classes:
 *   P_k  = mean{ J_f[n] : n < U, a_n = k }           (positions in the unlabeled batch used as joint rows: the bug)
 *   P̃_k = mean{ J_f̃[n] : argmax J_p̃[n] = k }        (reference class k, compared with cluster k: no matching)
 *   valid k: mean(P_k) ≠ 0 and mean(P̃) ≠ 0 over the whole [C,d] reference matrix
 *   gated k: valid, and neither mean spread (see spreadMeans, masks [max p ≥ 0.8]) exceeds twice the other
 *   L = Σ_{valid k} (1 − P_k·P̃_k / (‖P_k‖‖P̃_k‖ + 1e-4)) / |gated|,   L = 0 when no class is gated.
 * Gradient flows into the student features only. Synchronous (reads [C]-sized statistics).
 * Non-finite values propagate as in the release.
 *
 * @param inputs features [B,d] and [U,d] of student and reference, probabilities [B,C] and [U,C] of both, and
 *   optional `studentAssignments` int32 [U] (see IphReleaseExactArgs).
 * @param options `threshold` (default 0.8), `seed`, `kmeans`.
 * @returns `loss` (scalar), `assignments` int32 [U], `numeratorClasses` and `denominatorClasses` (numbers).
 * @see TEAR spec §4, "release-exact mode" (the block in the release's Train_TEAR.py); docs/iph.md.
 * @example
 * ```ts
 * const f = tf.tensor2d([[1, 0], [0, 1]]);
 * const p = tf.tensor2d([[0.9, 0.1], [0.1, 0.9]]);
 * const { loss, denominatorClasses } = iphLossReleaseExact({
 *   studentLabeledFeatures: f, studentUnlabeledFeatures: f, referenceLabeledFeatures: f, referenceUnlabeledFeatures: f,
 *   studentLabeledProbs: p, studentUnlabeledProbs: p, referenceLabeledProbs: p, referenceUnlabeledProbs: p,
 *   studentAssignments: tf.tensor1d([0, 1], 'int32'),
 * });   // identical sides: loss ≈ 0, both classes gated
 * ```
 */
export function iphLossReleaseExact(inputs: IphReleaseExactArgs, options: IphReleaseExactOptions = {}): IphReleaseExactResult {
  checkInputs(inputs, FN, 'iphLossReleaseExact({ studentLabeledFeatures, …, studentAssignments }, { threshold, seed, kmeans })');
  const { threshold = 0.8, seed = 0 } = options;
  checkNumber(threshold, 'threshold', FN);
  checkNumber(seed, 'seed', FN, { integer: true });
  const a = inputs as IphReleaseExactArgs;
  const matrices = [
    'studentLabeledFeatures', 'studentUnlabeledFeatures', 'referenceLabeledFeatures', 'referenceUnlabeledFeatures',
    'studentLabeledProbs', 'studentUnlabeledProbs', 'referenceLabeledProbs', 'referenceUnlabeledProbs',
  ] as const;
  for (const name of matrices) checkTensor(a[name], name, FN, { rank: 2, dtype: 'float32' });
  checkSameDim(a.studentLabeledFeatures, 'studentLabeledFeatures', a.studentUnlabeledFeatures, 'studentUnlabeledFeatures', FN, 1);
  checkSameDim(a.studentLabeledFeatures, 'studentLabeledFeatures', a.referenceLabeledFeatures, 'referenceLabeledFeatures', FN);
  checkSameDim(a.studentUnlabeledFeatures, 'studentUnlabeledFeatures', a.referenceUnlabeledFeatures, 'referenceUnlabeledFeatures', FN);
  for (const name of ['studentLabeledProbs', 'referenceLabeledProbs'] as const) {
    checkSameDim(a.studentLabeledFeatures, 'studentLabeledFeatures', a[name], name, FN, 0);
  }
  for (const name of ['studentUnlabeledProbs', 'referenceUnlabeledProbs'] as const) {
    checkSameDim(a.studentUnlabeledFeatures, 'studentUnlabeledFeatures', a[name], name, FN, 0);
  }
  for (const name of ['studentUnlabeledProbs', 'referenceLabeledProbs', 'referenceUnlabeledProbs'] as const) {
    checkSameDim(a.studentLabeledProbs, 'studentLabeledProbs', a[name], name, FN, 1);
  }
  const numClasses = a.studentLabeledProbs.shape[1];
  check(numClasses >= 1, FN, () => `argument 'studentLabeledProbs' ${shapeString(a.studentLabeledProbs.shape)} must have at least one class`);
  const unlabeled = a.studentUnlabeledFeatures.shape[0];
  if (a.studentAssignments !== undefined) {
    checkTensor(a.studentAssignments, 'studentAssignments', FN, { rank: 1, dtype: 'int32' });
    checkSameDim(a.studentUnlabeledFeatures, 'studentUnlabeledFeatures', a.studentAssignments, 'studentAssignments', FN, 0, 0);
  }

  const assignments = a.studentAssignments !== undefined
    ? a.studentAssignments.clone()
    : (() => {
      const run = kmeans({ x: a.studentUnlabeledFeatures }, { ...options.kmeans, k: numClasses, seed });
      run.centroids.dispose();
      return run.assignments;
    })();
  try {
    return tf.tidy(() => {
      const studentJoint = tf.concat([a.studentLabeledFeatures, a.studentUnlabeledFeatures], 0) as tf.Tensor2D;
      const bugRows = tf.slice(studentJoint, [0, 0], [unlabeled, -1]) as tf.Tensor2D;
      const student = clusterPrototypes({ features: bugRows, assignments }, { k: numClasses });
      const studentMask = tf.slice(confidenceMask({ probs: detach(tf.concat([a.studentLabeledProbs, a.studentUnlabeledProbs], 0)) as tf.Tensor2D }, { threshold }), [0], [unlabeled]) as tf.Tensor1D;
      const studentSpread = spreadMeans(detach(bugRows), detach(assignments), studentMask, detach(student.prototypes), student.counts, numClasses);

      const referenceJoint = detach(tf.concat([a.referenceLabeledFeatures, a.referenceUnlabeledFeatures], 0)) as tf.Tensor2D;
      const referenceProbs = detach(tf.concat([a.referenceLabeledProbs, a.referenceUnlabeledProbs], 0)) as tf.Tensor2D;
      const referenceIds = tf.argMax(referenceProbs, 1) as tf.Tensor1D;
      const reference = clusterPrototypes({ features: referenceJoint, assignments: referenceIds }, { k: numClasses });
      const referenceSpread = spreadMeans(referenceJoint, referenceIds, confidenceMask({ probs: referenceProbs }, { threshold }), reference.prototypes, reference.counts, numClasses);

      const studentRowMeans = readSync(tf.mean(detach(student.prototypes), 1), 'student prototypes', FN);
      const referenceMean = readSync(tf.mean(reference.prototypes), 'reference prototypes', FN)[0];
      const mine = readSync(studentSpread, 'student spread', FN);
      const theirs = readSync(referenceSpread, 'reference spread', FN);
      const numeratorClasses: number[] = [];
      const denominatorClasses: number[] = [];
      for (let k = 0; k < numClasses; k++) {
        if (!(studentRowMeans[k] !== 0 && referenceMean !== 0)) continue;
        numeratorClasses.push(k);
        if (!(mine[k] > 2 * theirs[k] || theirs[k] > 2 * mine[k])) denominatorClasses.push(k);
      }
      const loss = denominatorClasses.length === 0
        ? tf.mul(tf.sum(studentJoint), 0) as tf.Scalar
        : tf.sum(tf.mul(tf.sub(1, pairedCosine(student.prototypes, reference.prototypes)), indicator(numeratorClasses, numClasses)))
          .div(denominatorClasses.length) as tf.Scalar;
      return { loss, assignments, numeratorClasses, denominatorClasses };
    });
  } catch (error) {
    assignments.dispose();
    throw error;
  }
}

function indicator(ids: number[], length: number): tf.Tensor1D {
  const values = new Float32Array(length);
  for (const id of ids) values[id] = 1;
  return tf.tensor1d(values);
}
