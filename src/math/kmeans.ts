import * as tf from '@tensorflow/tfjs';
import { check, checkNumber, checkTensor, shapeString } from '../util/checks';
import { Random, deriveSeed } from '../state/random';
import { groupSums, membership } from './clusterPrototypes';
import { detach } from '../util/numerics';

const FN = 'kmeans';

export interface KMeansOptions {
  /** Base seed; restart r draws its k-means++ initialisation from `new Random(deriveSeed(seed, r))`. Default 0. */
  seed?: number;
  /** Independent initialisations; the run with the lowest inertia is kept (ties: the earliest). Default 3. */
  restarts?: number;
  /** Cap on Lloyd iterations per restart; 0 returns the k-means++ initialisation itself. Default 50. */
  maxIterations?: number;
  /** Stop when the largest Euclidean centroid shift of an iteration is below this. Default 1e-4. */
  tolerance?: number;
}

export interface KMeansResult {
  /** int32 [N], cluster of each row, in [0, k). */
  assignments: tf.Tensor1D;
  /** [k, d]; an empty cluster keeps its last centroid (a zero row when N < k). */
  centroids: tf.Tensor2D;
  /** Σ_n min_j ‖x_n − c_j‖² at the returned centroids. */
  inertia: number;
  /** Lloyd iterations run by the kept restart. */
  iterations: number;
}

/** ‖x_n − c_j‖² as ‖x_n‖² − 2 x_n·c_j + ‖c_j‖² (one matMul), clamped at 0 against rounding. [N,k] */
function squaredDistances(x: tf.Tensor2D, xSquaredNorms: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const cSquaredNorms = tf.sum(tf.square(c), 1).reshape([1, c.shape[0]]);
    return tf.relu(xSquaredNorms.sub(tf.matMul(x, c, false, true).mul(2)).add(cSquaredNorms)) as tf.Tensor2D;
  });
}

/** k-means++ seeding: the first centre uniformly, each next one with probability ∝ D² to the nearest chosen centre. */
function kmeansPlusPlusRows(x: tf.Tensor2D, xSquaredNorms: tf.Tensor2D, k: number, random: Random): number[] {
  const n = x.shape[0];
  const rows = [random.nextInt(n)];
  const nearest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    const last = rows[rows.length - 1];
    const d2 = tf.tidy(() => squaredDistances(x, xSquaredNorms, tf.slice(x, [last, 0], [1, -1]) as tf.Tensor2D).dataSync());
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], d2[i]);
      total += nearest[i];
    }
    let pick = -1;
    if (total > 0) {
      let remaining = random.next() * total;
      for (let i = 0; i < n; i++) {
        if (nearest[i] <= 0) continue;
        pick = i;
        remaining -= nearest[i];
        if (remaining < 0) break;
      }
    } else {
      pick = random.nextInt(n);
    }
    rows.push(pick);
  }
  return rows;
}

interface Run {
  centroids: tf.Tensor2D;
  iterations: number;
}

/** Lloyd iterations from `start` (taken over): assign to the nearest centroid, move each centroid to its cluster mean. */
function lloyd(x: tf.Tensor2D, xSquaredNorms: tf.Tensor2D, start: tf.Tensor2D, maxIterations: number, tolerance: number): Run {
  const k = start.shape[0];
  let centroids = start;
  let iterations = 0;
  while (iterations < maxIterations) {
    const [next, shift] = tf.tidy(() => {
      const assignments = tf.argMin(squaredDistances(x, xSquaredNorms, centroids), 1) as tf.Tensor1D;
      const sums = groupSums(x, assignments, k);
      const counts = tf.sum(membership(assignments, k), 0).reshape([k, 1]);
      const occupied = tf.cast(tf.greater(counts, 0), 'float32');
      const moved = sums.div(tf.maximum(counts, 1)).mul(occupied).add(centroids.mul(tf.sub(1, occupied))) as tf.Tensor2D;
      const largestShift = tf.max(tf.sqrt(tf.sum(tf.square(moved.sub(centroids)), 1)));
      return [moved, largestShift] as const;
    });
    const shiftValue = shift.dataSync()[0];
    shift.dispose();
    centroids.dispose();
    centroids = next;
    iterations++;
    if (shiftValue < tolerance) break;
  }
  return { centroids, iterations };
}

/**
 * k-means on the rows of x [N,d] with k-means++ seeding and Lloyd iterations, all distance work in
 * tensor ops (runs on any backend). Synchronous: reads the centroid shift once per iteration.
 *
 * The data are centred on their column mean first (distances unchanged, less float32 cancellation in
 * ‖x‖² − 2x·c + ‖c‖²). N ≤ k: row n is cluster n, inertia 0, clusters N..k−1 empty with zero centroids.
 * Not differentiable: x is read through a detached view, so calling it inside `tf.grad` is safe.
 * Non-finite values in x throw.
 */
export function kmeans(x: tf.Tensor2D, k: number, opts: KMeansOptions = {}): KMeansResult {
  checkTensor(x, 'x', FN, { rank: 2, dtype: 'float32' });
  checkNumber(k, 'k', FN, { min: 1, integer: true });
  const { seed = 0, restarts = 3, maxIterations = 50, tolerance = 1e-4 } = opts;
  checkNumber(seed, 'seed', FN, { integer: true });
  checkNumber(restarts, 'restarts', FN, { min: 1, integer: true });
  checkNumber(maxIterations, 'maxIterations', FN, { min: 0, integer: true });
  checkNumber(tolerance, 'tolerance', FN, { min: 0 });
  const [n, d] = x.shape;
  const data = detach(x);
  try {
    const finite = tf.tidy(() => tf.all(tf.isFinite(data)).dataSync()[0]);
    check(n === 0 || d === 0 || finite === 1, FN, () => `argument 'x' ${shapeString(x.shape)} contains NaN or infinite values`);
    if (n <= k) {
      return tf.tidy(() => ({
        assignments: tf.range(0, n, 1, 'int32') as tf.Tensor1D,
        centroids: tf.concat([data, tf.zeros([k - n, d])], 0) as tf.Tensor2D,
        inertia: 0,
        iterations: 0,
      }));
    }
    const [mean, centred, squaredNorms] = tf.tidy(() => {
      const columnMean = tf.mean(data, 0, true);
      const shifted = tf.sub(data, columnMean) as tf.Tensor2D;
      return [columnMean, shifted, tf.sum(tf.square(shifted), 1, true) as tf.Tensor2D] as const;
    });
    let best: (Run & { inertia: number }) | null = null;
    for (let r = 0; r < restarts; r++) {
      const rows = kmeansPlusPlusRows(centred, squaredNorms, k, new Random(deriveSeed(seed, r)));
      const start = tf.tidy(() => tf.gather(centred, tf.tensor1d(rows, 'int32')) as tf.Tensor2D);
      const run = lloyd(centred, squaredNorms, start, maxIterations, tolerance);
      const inertia = tf.tidy(() => tf.sum(tf.min(squaredDistances(centred, squaredNorms, run.centroids), 1)).dataSync()[0]);
      if (best === null || inertia < best.inertia) {
        best?.centroids.dispose();
        best = { ...run, inertia };
      } else {
        run.centroids.dispose();
      }
    }
    const kept = best as Run & { inertia: number };
    const result = tf.tidy(() => ({
      assignments: tf.argMin(squaredDistances(centred, squaredNorms, kept.centroids), 1).toInt() as tf.Tensor1D,
      centroids: tf.add(kept.centroids, mean) as tf.Tensor2D,
    }));
    tf.dispose([mean, centred, squaredNorms, kept.centroids]);
    return { ...result, inertia: kept.inertia, iterations: kept.iterations };
  } finally {
    data.dispose();
  }
}
