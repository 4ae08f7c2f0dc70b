import * as tf from '@tensorflow/tfjs';
import { linearSumAssignment } from 'linear-sum-assignment';
import { checkFiniteValues, checkSameDim, checkTensor, shapeString } from '../util/checks';
import { cosineSimilarityMatrix } from './cosine';
import { readSync } from '../util/syncRead';

const FN = 'matchPrototypes';

/**
 * One-to-one matching of student clusters to reference groups that maximises the total cosine
 * similarity Σ cos(P_i, P̃_j) (Hungarian / Jonker–Volgenant, rectangular allowed), over the clusters
 * with count > 0 on both sides only. Returns min(#non-empty student, #non-empty reference) pairs
 * [studentCluster, referenceGroup], sorted by student cluster; [] when either side has no non-empty group.
 * student [K,d], reference [K',d], studentCounts [K], referenceCounts [K']. Synchronous (reads the
 * K×K' similarities); non-finite similarities throw. Not differentiable (returns numbers).
 */
export function matchPrototypes(
  student: tf.Tensor2D, reference: tf.Tensor2D, studentCounts: tf.Tensor1D, referenceCounts: tf.Tensor1D,
): Array<[number, number]> {
  checkTensor(student, 'student', FN, { rank: 2 });
  checkTensor(reference, 'reference', FN, { rank: 2 });
  checkTensor(studentCounts, 'studentCounts', FN, { rank: 1 });
  checkTensor(referenceCounts, 'referenceCounts', FN, { rank: 1 });
  checkSameDim(student, 'student', reference, 'reference', FN, 1, 1);
  checkSameDim(student, 'student', studentCounts, 'studentCounts', FN, 0, 0);
  checkSameDim(reference, 'reference', referenceCounts, 'referenceCounts', FN, 0, 0);
  const rows = nonEmpty(readSync(studentCounts, 'studentCounts', FN));
  const columns = nonEmpty(readSync(referenceCounts, 'referenceCounts', FN));
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
