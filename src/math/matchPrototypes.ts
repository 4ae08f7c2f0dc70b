import * as tf from '@tensorflow/tfjs';
import { linearSumAssignment } from 'linear-sum-assignment';
import { checkFiniteValues, checkInputs, checkSameDim, checkTensor, shapeString } from '../util/checks';
import { cosineSimilarityMatrix } from './cosine';
import { readSync } from '../util/syncRead';

const FN = 'matchPrototypes';

/** Inputs of {@link matchPrototypes}: the two sides' prototypes and their cluster sizes. */
export interface MatchPrototypesInputs {
  /** P [K,d], the student's prototypes. */
  student: tf.Tensor2D;
  /** P̃ [K',d], the reference's prototypes. */
  reference: tf.Tensor2D;
  /** [K], the student's cluster sizes (a cluster of size 0 is never matched). */
  studentCounts: tf.Tensor1D;
  /** [K'], the reference's group sizes. */
  referenceCounts: tf.Tensor1D;
}

/**
 * One-to-one matching π of student clusters to reference groups that maximises the total cosine
 * similarity Σ_i cos(P_i, P̃_π(i)) (Hungarian / Jonker–Volgenant, rectangular allowed), over the clusters
 * with count > 0 on both sides only. Synchronous (reads the K×K' similarities); non-finite similarities
 * throw. Not differentiable (returns numbers).
 *
 * @param inputs `student` P [K,d], `reference` P̃ [K',d], `studentCounts` [K], `referenceCounts` [K'].
 * @returns min(#non-empty student, #non-empty reference) pairs [studentCluster, referenceGroup], sorted by
 *   student cluster; [] when either side has no non-empty group.
 * @see TEAR spec §4, step 4 (the matching the release lacks); Kuhn, "The Hungarian method for the assignment problem", 1955.
 * @example
 * ```ts
 * const pairs = matchPrototypes({
 *   student: tf.tensor2d([[1, 0], [0, 1]]), reference: tf.tensor2d([[0, 1], [1, 0]]),
 *   studentCounts: tf.tensor1d([3, 2]), referenceCounts: tf.tensor1d([1, 4]),
 * });   // [[0, 1], [1, 0]]
 * ```
 */
export function matchPrototypes(inputs: MatchPrototypesInputs): Array<[number, number]> {
  checkInputs(inputs, FN, 'matchPrototypes({ student, reference, studentCounts, referenceCounts })');
  const { student, reference, studentCounts, referenceCounts } = inputs;
  checkTensor(student, 'student', FN, { rank: 2 });
  checkTensor(reference, 'reference', FN, { rank: 2 });
  checkTensor(studentCounts, 'studentCounts', FN, { rank: 1 });
  checkTensor(referenceCounts, 'referenceCounts', FN, { rank: 1 });
  checkSameDim(student, 'student', reference, 'reference', FN, 1, 1);
  checkSameDim(student, 'student', studentCounts, 'studentCounts', FN, 0, 0);
  checkSameDim(reference, 'reference', referenceCounts, 'referenceCounts', FN, 0, 0);
  return matchPrototypesByCounts(student, reference, readSync(studentCounts, 'studentCounts', FN), readSync(referenceCounts, 'referenceCounts', FN));
}

/**
 * {@link matchPrototypes} with the cluster sizes already on the host (iphLoss knows them from its
 * assignments): one read, of the K×K' similarities. Same pairs.
 */
export function matchPrototypesByCounts(student: tf.Tensor2D, reference: tf.Tensor2D, studentCounts: ArrayLike<number>, referenceCounts: ArrayLike<number>): Array<[number, number]> {
  const rows = nonEmpty(studentCounts);
  const columns = nonEmpty(referenceCounts);
  if (rows.length === 0 || columns.length === 0) return [];
  const similarity = tf.tidy(() => readSync(cosineSimilarityMatrix(student, reference), 'cosine similarities', FN));
  const width = reference.shape[0];
  const gain = rows.map((i) => columns.map((j) => similarity[i * width + j]));
  checkFiniteValues(gain.every((row) => row.every(Number.isFinite)), FN, () =>
    `prototypes 'student' ${shapeString(student.shape)} or 'reference' ${shapeString(reference.shape)} give a non-finite cosine similarity (NaN or infinite features)`);
  const { rowAssignments } = linearSumAssignment(gain, { maximaze: true });
  const pairs: Array<[number, number]> = [];
  rowAssignments.forEach((column, row) => {
    if (column >= 0) pairs.push([rows[row], columns[column]]);
  });
  return pairs;
}

function nonEmpty(counts: ArrayLike<number>): number[] {
  const ids: number[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) ids.push(i);
  return ids;
}
