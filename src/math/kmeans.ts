import * as tf from '@tensorflow/tfjs';
import { check, checkNumber, checkTensor, shapeString } from '../util/checks';
import { Random, deriveSeed } from '../state/random';

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

/** The rows of x as float64, read once: row n is data[n·d, (n+1)·d). */
interface Rows {
  data: Float64Array;
  n: number;
  d: number;
}

/** ‖x_n − c‖² for row n of `rows` and the centroid starting at `offset` of `centroids` (float64, direct differences). */
function squaredDistance(rows: Rows, n: number, centroids: Float64Array, offset: number): number {
  const { data, d } = rows;
  const base = n * d;
  let total = 0;
  for (let j = 0; j < d; j++) {
    const diff = data[base + j] - centroids[offset + j];
    total += diff * diff;
  }
  return total;
}

/** Nearest centroid of every row (the first one on ties) and Σ_n its squared distance. */
function nearestCentroids(rows: Rows, centroids: Float64Array, k: number, into: Int32Array): number {
  const { n, d } = rows;
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDistance = squaredDistance(rows, i, centroids, 0);
    for (let c = 1; c < k; c++) {
      const distance = squaredDistance(rows, i, centroids, c * d);
      if (distance < bestDistance) {
        best = c;
        bestDistance = distance;
      }
    }
    into[i] = best;
    inertia += bestDistance;
  }
  return inertia;
}

/** k-means++ seeding: the first centre uniformly, each next one with probability ∝ D² to the nearest chosen centre. */
function kmeansPlusPlusRows(rows: Rows, k: number, random: Random): number[] {
  const { n, data, d } = rows;
  const chosen = [random.nextInt(n)];
  const nearest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    const last = chosen[chosen.length - 1];
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], squaredDistance(rows, i, data, last * d));
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
    chosen.push(pick);
  }
  return chosen;
}

interface Run {
  centroids: Float64Array;
  iterations: number;
}

/**
 * Lloyd iterations from the rows `start`: assign each row to its nearest centroid, move each
 * centroid to its cluster mean (an empty cluster keeps its centroid); stop after `maxIterations`
 * or when the largest Euclidean centroid shift is below `tolerance`.
 */
function lloyd(rows: Rows, start: number[], maxIterations: number, tolerance: number): Run {
  const { n, d, data } = rows;
  const k = start.length;
  let centroids = new Float64Array(k * d);
  start.forEach((row, c) => centroids.set(data.subarray(row * d, (row + 1) * d), c * d));
  const assignments = new Int32Array(n);
  const counts = new Float64Array(k);
  let iterations = 0;
  while (iterations < maxIterations) {
    nearestCentroids(rows, centroids, k, assignments);
    const moved = new Float64Array(k * d);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignments[i];
      counts[c] += 1;
      for (let j = 0; j < d; j++) moved[c * d + j] += data[i * d + j];
    }
    let largestShift = 0;
    for (let c = 0; c < k; c++) {
      let shift = 0;
      for (let j = 0; j < d; j++) {
        const value = counts[c] > 0 ? moved[c * d + j] / counts[c] : centroids[c * d + j];
        moved[c * d + j] = value;
        shift += (value - centroids[c * d + j]) ** 2;
      }
      largestShift = Math.max(largestShift, Math.sqrt(shift));
    }
    centroids = moved;
    iterations++;
    if (largestShift < tolerance) break;
  }
  return { centroids, iterations };
}

/**
 * k-means on the rows of x [N,d] with k-means++ seeding and Lloyd iterations. Reads x once and
 * clusters in JavaScript float64 (exact squared distances, no tensor ops): k-means is not
 * differentiable, and tensor ops would be recorded (and their inputs cloned) by an enclosing
 * gradient tape, as when IPH runs inside the trainer's tf.variableGrads.
 *
 * N ≤ k: row n is cluster n, inertia 0, clusters N..k−1 empty with zero centroids.
 * The returned tensors are not connected to x on any tape, so calling it inside `tf.grad` is safe.
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
  const values = x.dataSync() as Float32Array;
  check(values.every(Number.isFinite), FN, () => `argument 'x' ${shapeString(x.shape)} contains NaN or infinite values`);
  if (n <= k) {
    const centroids = new Float32Array(k * d);
    centroids.set(values);
    return {
      assignments: tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i), 'int32'),
      centroids: tf.tensor2d(centroids, [k, d]),
      inertia: 0,
      iterations: 0,
    };
  }
  const rows: Rows = { data: Float64Array.from(values), n, d };
  const assignments = new Int32Array(n);
  let best: (Run & { inertia: number }) | null = null;
  for (let r = 0; r < restarts; r++) {
    const run = lloyd(rows, kmeansPlusPlusRows(rows, k, new Random(deriveSeed(seed, r))), maxIterations, tolerance);
    const inertia = nearestCentroids(rows, run.centroids, k, assignments);
    if (best === null || inertia < best.inertia) best = { ...run, inertia };
  }
  const kept = best as Run & { inertia: number };
  nearestCentroids(rows, kept.centroids, k, assignments);
  return {
    assignments: tf.tensor1d(assignments, 'int32'),
    centroids: tf.tensor2d(Float32Array.from(kept.centroids), [k, d]),
    inertia: kept.inertia,
    iterations: kept.iterations,
  };
}
