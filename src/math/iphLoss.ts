import * as tf from '@tensorflow/tfjs';
import { check, checkFiniteValues, checkInputs, checkNumber, checkOneOf, checkSameDim, checkTensor, shapeString } from '../util/checks';
import { valueChecksDeferred } from '../util/valueChecks';
import { deriveSeed } from '../state/random';
import { clusterPrototypesOnHost } from './clusterPrototypes';
import { membershipOnHost, readGroupIds } from './groups';
import { detach } from '../util/numerics';
import { kmeansWithHostAssignments, type KMeansOptions } from './kmeans';
import { pairedCosine } from './cosine';
import { matchPrototypesByCounts } from './matchPrototypes';
import { readSync } from '../util/syncRead';

const FN = 'iphLoss';

/** IPH reference groups: the reference model's predicted class, or k-means clusters of its features. */
export const IPH_REFERENCES = ['prediction', 'kmeans'] as const;
/** One of IPH_REFERENCES. */
export type IphReference = (typeof IPH_REFERENCES)[number];

/** Options of iphLoss: number of clusters, how the reference groups are formed, the k-means seed and options. */
export interface IphOptions {
  /** K, the number of student clusters (TEAR uses K = C). Required. */
  numClusters: number;
  /** Reference groups: the reference model's predicted class (`referenceAssignments`, default) or k-means on f̃. */
  reference?: IphReference;
  /** Number of reference groups: classes C in 'prediction' mode, clusters in 'kmeans' mode. Default numClusters. */
  referenceGroups?: number;
  /** Seed of the student k-means (the reference k-means uses deriveSeed(seed, 1)). Default kmeans.seed, else 0. */
  seed?: number;
  /** restarts, maxIterations, tolerance for both k-means runs. */
  kmeans?: KMeansOptions;
}

/** Inputs of iphLoss: student and reference features [U,d] and, for reference 'prediction', the reference's class assignments. */
export interface IphArgs {
  /** f [U,d], student features of the weak unlabeled views; the only input that receives gradient. */
  studentFeatures: tf.Tensor2D;
  /** f̃ [U,d], reference (EMA) features of the same views; treated as a constant. */
  referenceFeatures: tf.Tensor2D;
  /** ã int32 [U], argmax p̃ of the reference model; required when reference = 'prediction'. */
  referenceAssignments?: tf.Tensor1D;
  /** int32 [U] student cluster ids in [0,K); skips the student k-means (tests, or clustering done elsewhere). */
  studentAssignments?: tf.Tensor1D;
}

/** What iphLoss returns: the loss, the student's cluster assignments and the matched (cluster, group) pairs. */
export interface IphResult {
  /** L_IPH, a scalar in [0, 2]. */
  loss: tf.Scalar;
  /** int32 [U], the student cluster ids used. The caller disposes it. */
  assignments: tf.Tensor1D;
  /** Matched [studentCluster, referenceGroup] pairs, sorted by student cluster. */
  pairs: Array<[number, number]>;
}

/** One read per tensor; skipped inside `deferValueChecks` (k-means and the matching read the values anyway and refuse non-finite ones). */
function checkFinite(t: tf.Tensor, name: string): void {
  if (valueChecksDeferred()) return;
  const finite = t.size === 0 || tf.tidy(() => readSync(tf.all(tf.isFinite(t)), name, FN)[0]) === 1;
  checkFiniteValues(finite, FN, () => `argument '${name}' ${shapeString(t.shape)} contains NaN or infinite values`);
}

const FORM = 'iphLoss({ studentFeatures, referenceFeatures, referenceAssignments }, { numClusters, reference, seed, kmeans })';

/**
 * Iterative prototype harmonizing (TEAR spec §4, with the release's bugs fixed):
 *   a = kmeans(f, K) (no gradient),  ã = argmax p̃ or kmeans(f̃),  P_i = mean{f_n : a_n = i},  P̃_j = mean{f̃_n : ã_n = j},
 *   π = Hungarian matching maximising Σ cos(P_i, P̃_π(i)) over groups non-empty on both sides,
 *   L = (1/|I|) Σ_{i∈I} (1 − P_i·P̃_π(i) / (‖P_i‖‖P̃_π(i)‖ + 1e-4)),   L = 0 (zero gradient) when I is empty.
 * A set-level loss (over prototypes, not samples): it has no per-sample form. Gradient flows into
 * studentFeatures only. Synchronous (k-means and matching read values). Non-finite features throw.
 *
 * @param inputs `studentFeatures` f [U,d], `referenceFeatures` f̃ [U,d], `referenceAssignments` ã int32 [U]
 *   (reference 'prediction'), optional `studentAssignments` int32 [U] (skips the student k-means).
 * @param options `numClusters` K (required), `reference`, `referenceGroups`, `seed`, `kmeans` (see IphOptions).
 * @returns `loss` L_IPH (scalar in [0, 2]), `assignments` a int32 [U], `pairs` π as [cluster, group] pairs.
 * @see TEAR spec §4 (IPH: settled by the release where it works, reconstructed where it is broken); docs/iph.md.
 * @example
 * ```ts
 * const { loss, pairs } = iphLoss(
 *   {
 *     studentFeatures: tf.tensor2d([[1, 0], [1, 0.1], [0, 1], [0.1, 1]]),
 *     referenceFeatures: tf.tensor2d([[1, 0], [1, 0], [0, 1], [0, 1]]),
 *     referenceAssignments: tf.tensor1d([1, 1, 0, 0], 'int32'),
 *   },
 *   { numClusters: 2, seed: 0 },
 * );   // the clusters match the reference groups: loss ≈ 0.001
 * ```
 */
export function iphLoss(inputs: IphArgs, options: IphOptions): IphResult {
  checkInputs(inputs, FN, FORM);
  check(options !== undefined && options !== null, FN, () => `option 'numClusters' is required: ${FORM}`);
  const { numClusters, reference = 'prediction' } = options;
  checkNumber(numClusters, 'numClusters', FN, { min: 1, integer: true });
  checkOneOf(reference, IPH_REFERENCES, 'reference', FN);
  const referenceGroups = options.referenceGroups ?? numClusters;
  checkNumber(referenceGroups, 'referenceGroups', FN, { min: 1, integer: true });
  const seed = options.seed ?? options.kmeans?.seed ?? 0;
  checkNumber(seed, 'seed', FN, { integer: true });
  const { studentFeatures, referenceFeatures, referenceAssignments, studentAssignments } = inputs;
  checkTensor(studentFeatures, 'studentFeatures', FN, { rank: 2, dtype: 'float32' });
  checkTensor(referenceFeatures, 'referenceFeatures', FN, { rank: 2, dtype: 'float32' });
  checkSameDim(studentFeatures, 'studentFeatures', referenceFeatures, 'referenceFeatures', FN);
  if (reference === 'prediction') {
    check(referenceAssignments !== undefined, FN, () => "argument 'referenceAssignments' (argmax p̃, int32 [U]) is required when reference = 'prediction'");
    checkTensor(referenceAssignments, 'referenceAssignments', FN, { rank: 1, dtype: 'int32' });
    checkSameDim(studentFeatures, 'studentFeatures', referenceAssignments, 'referenceAssignments', FN, 0, 0);
  } else {
    check(referenceAssignments === undefined, FN, () => "argument 'referenceAssignments' is only used when reference = 'prediction'");
  }
  if (studentAssignments !== undefined) {
    checkTensor(studentAssignments, 'studentAssignments', FN, { rank: 1, dtype: 'int32' });
    checkSameDim(studentFeatures, 'studentFeatures', studentAssignments, 'studentAssignments', FN, 0, 0);
  }
  checkFinite(studentFeatures, 'studentFeatures');
  checkFinite(referenceFeatures, 'referenceFeatures');

  const kmeansOptions = { ...options.kmeans };
  // Both sides' groups on the host: from k-means (made there on CPU backends), else read once and range-checked.
  const studentIds = studentAssignments !== undefined
    ? readGroupIds(studentAssignments, numClusters, 'studentAssignments', FN)
    : clusterIds(studentFeatures, { ...kmeansOptions, k: numClusters, seed });
  const referenceIds = reference === 'kmeans'
    ? clusterIds(referenceFeatures, { ...kmeansOptions, k: referenceGroups, seed: deriveSeed(seed, 1) })
    : readGroupIds(referenceAssignments as tf.Tensor1D, referenceGroups, 'referenceAssignments', FN);
  const { loss, pairs } = tf.tidy(() => {
    const student = clusterPrototypesOnHost(studentFeatures, studentIds, numClusters);
    const target = clusterPrototypesOnHost(detach(referenceFeatures), referenceIds, referenceGroups);
    const matched = matchPrototypesByCounts(student.prototypes, target.prototypes, student.counts, target.counts);
    if (matched.length === 0) return { loss: tf.mul(tf.sum(studentFeatures), 0) as tf.Scalar, pairs: matched };
    // Row selection as one-hot · P (a matMul): tf.gather's gradient needs a kernel the wasm backend lacks.
    const pick = (side: 0 | 1, from: tf.Tensor2D) => tf.matMul(membershipOnHost(matched.map((p) => p[side]), from.shape[0]), from) as tf.Tensor2D;
    const cosine = pairedCosine(pick(0, student.prototypes), pick(1, target.prototypes));
    return { loss: tf.mean(tf.sub(1, cosine)) as tf.Scalar, pairs: matched };
  });
  return { loss, assignments: tf.tensor1d(studentIds, 'int32'), pairs };
}

/** The k-means assignments of x as a host array (read back only where k-means ran on the device). */
function clusterIds(x: tf.Tensor2D, options: Parameters<typeof kmeansWithHostAssignments>[1]): Int32Array {
  const result = kmeansWithHostAssignments({ x }, options);
  try {
    return result.hostAssignments ?? Int32Array.from(readSync(result.assignments, 'k-means assignments', FN));
  } finally {
    tf.dispose([result.assignments, result.centroids]);
  }
}
