import * as tf from '@tensorflow/tfjs';
import { linearSumAssignment } from 'linear-sum-assignment';
import { check, checkSameDim, checkTensor, shapeString } from '../util/checks';

const FN = 'matchPrototypes';

/** Added to the product of norms in every IPH cosine: cos(a, b) = a·b / (‖a‖‖b‖ + 1e-4), as in the release. */
export const COSINE_EPSILON = 1e-4;

/** cos(A_i, B_j) = A_i·B_j / (‖A_i‖‖B_j‖ + 1e-4) for every pair of rows. [K, K'] */
export function cosineSimilarityMatrix(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const aNorms = tf.norm(a, 'euclidean', 1).reshape([a.shape[0], 1]);
    const bNorms = tf.norm(b, 'euclidean', 1).reshape([1, b.shape[0]]);
    return tf.matMul(a, b, false, true).div(aNorms.mul(bNorms).add(COSINE_EPSILON)) as tf.Tensor2D;
  });
}

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
  const rows = nonEmpty(studentCounts.dataSync());
  const columns = nonEmpty(referenceCounts.dataSync());
  if (rows.length === 0 || columns.length === 0) return [];
  const similarity = tf.tidy(() => cosineSimilarityMatrix(student, reference).dataSync());
  const width = reference.shape[0];
  const gain = rows.map((i) => columns.map((j) => similarity[i * width + j]));
  check(gain.every((row) => row.every(Number.isFinite)), FN, () =>
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
