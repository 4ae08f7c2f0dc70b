import * as tf from '@tensorflow/tfjs';
import { Random, deriveSeed } from '../state/random';
import { groupSums, membership } from './groups';
import { sampleProportional } from './kmeansSeeding';
import { readSync } from '../util/syncRead';

/**
 * The tensor k-means engine: every distance, assignment and centroid update is a tensor op, so it runs
 * on the device of the active backend (webgl, webgpu, tfjs-node-gpu). Synchronous: reads one scalar per
 * Lloyd iteration (the centroid shift) and one [N] distance row per k-means++ centre.
 */

/** ‖x_n − c_j‖² as ‖x_n‖² − 2 x_n·c_j + ‖c_j‖² (one matMul), clamped at 0 against rounding. [N,k] */
function squaredDistances(x: tf.Tensor2D, xSquaredNorms: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const cSquaredNorms = tf.sum(tf.square(c), 1).reshape([1, c.shape[0]]);
    return tf.relu(xSquaredNorms.sub(tf.matMul(x, c, false, true).mul(2)).add(cSquaredNorms)) as tf.Tensor2D;
  });
}

/** k-means++ seeding: the first centre uniformly, each next one drawn ∝ D² to the nearest chosen centre. */
function kmeansPlusPlusRows(x: tf.Tensor2D, xSquaredNorms: tf.Tensor2D, k: number, random: Random): number[] {
  const n = x.shape[0];
  const rows = [random.nextInt(n)];
  const nearest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    const last = rows[rows.length - 1];
    const d2 = tf.tidy(() => readSync(squaredDistances(x, xSquaredNorms, tf.slice(x, [last, 0], [1, -1]) as tf.Tensor2D), 'squared distances', 'kmeans'));
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], d2[i]);
      total += nearest[i];
    }
    rows.push(sampleProportional(nearest, total, random));
  }
  return rows;
}

/** Lloyd iterations from `start` (taken over): assign to the nearest centroid, move each centroid to its cluster mean. */
function lloyd(x: tf.Tensor2D, xSquaredNorms: tf.Tensor2D, start: tf.Tensor2D, maxIterations: number, tolerance: number) {
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
      return [moved, tf.max(tf.sqrt(tf.sum(tf.square(moved.sub(centroids)), 1)))] as const;
    });
    const largestShift = readSync(shift, 'centroid shift', 'kmeans')[0];
    tf.dispose([shift, centroids]);
    centroids = next;
    iterations++;
    if (largestShift < tolerance) break;
  }
  return { centroids, iterations };
}

/**
 * k-means of the rows of x [N,d] with N > k: `restarts` k-means++ starts seeded by deriveSeed(seed, r),
 * Lloyd iterations, the lowest-inertia run kept (ties: the earliest). The rows are centred on their
 * column mean first (distances unchanged, less float32 cancellation in ‖x‖² − 2x·c + ‖c‖²).
 * `x` must not be watched by a gradient tape (pass a detached view). The caller owns the result.
 */
export function kmeansTensor(
  x: tf.Tensor2D, k: number, opts: { seed: number; restarts: number; maxIterations: number; tolerance: number },
): { assignments: tf.Tensor1D; centroids: tf.Tensor2D; inertia: number; iterations: number } {
  const [mean, centred, squaredNorms] = tf.tidy(() => {
    const columnMean = tf.mean(x, 0, true);
    const shifted = tf.sub(x, columnMean) as tf.Tensor2D;
    return [columnMean, shifted, tf.sum(tf.square(shifted), 1, true) as tf.Tensor2D] as const;
  });
  let best: { centroids: tf.Tensor2D; iterations: number; inertia: number } | null = null;
  for (let r = 0; r < opts.restarts; r++) {
    const rows = kmeansPlusPlusRows(centred, squaredNorms, k, new Random(deriveSeed(opts.seed, r)));
    const start = tf.tidy(() => tf.gather(centred, tf.tensor1d(rows, 'int32')) as tf.Tensor2D);
    const run = lloyd(centred, squaredNorms, start, opts.maxIterations, opts.tolerance);
    const inertia = tf.tidy(() => readSync(tf.sum(tf.min(squaredDistances(centred, squaredNorms, run.centroids), 1)), 'inertia', 'kmeans')[0]);
    if (best === null || inertia < best.inertia) {
      best?.centroids.dispose();
      best = { ...run, inertia };
    } else {
      run.centroids.dispose();
    }
  }
  const kept = best as { centroids: tf.Tensor2D; iterations: number; inertia: number };
  const result = tf.tidy(() => ({
    assignments: tf.argMin(squaredDistances(centred, squaredNorms, kept.centroids), 1).toInt() as tf.Tensor1D,
    centroids: tf.add(kept.centroids, mean) as tf.Tensor2D,
  }));
  tf.dispose([mean, centred, squaredNorms, kept.centroids]);
  return { ...result, inertia: kept.inertia, iterations: kept.iterations };
}
