import * as tf from '@tensorflow/tfjs';
import { check, checkFiniteValues, checkNumber, checkOneOf, checkTensor, shapeString } from '../util/checks';
import { detach } from '../util/numerics';
import { kmeansHost } from './kmeansHost';
import { kmeansTensor } from './kmeansTensor';
import { readSync } from '../util/syncRead';

const FN = 'kmeans';

/** Options of kmeans: seed, restarts, iteration cap, tolerance and engine. */
export interface KMeansOptions {
  /** Base seed; restart r draws its k-means++ initialisation from `new Random(deriveSeed(seed, r))`. Default 0. */
  seed?: number;
  /** Independent initialisations; the run with the lowest inertia is kept (ties: the earliest). Default 3. */
  restarts?: number;
  /** Cap on Lloyd iterations per restart; 0 returns the k-means++ initialisation itself. Default 50. */
  maxIterations?: number;
  /** Stop when the largest Euclidean centroid shift of an iteration is below this. Default 1e-4. */
  tolerance?: number;
  /**
   * Where Lloyd runs. 'tensor': tensor ops on the active backend's device (webgl, webgpu,
   * tfjs-node-gpu). 'host': JavaScript float64 after one read of x (faster on every CPU backend,
   * and inside a gradient tape). 'auto' (default): 'host' on cpu, wasm and tfjs-node on the CPU
   * (see {@link kmeansRunsOnHost}), else 'tensor'.
   */
  engine?: KMeansEngine;
}

/** Where k-means runs: 'tensor' on the device, 'host' in float64 JavaScript, 'auto' picks per backend. */
export type KMeansEngine = 'auto' | 'host' | 'tensor';

const HOST_BACKENDS = new Set(['cpu', 'wasm']);

/**
 * Whether engine 'auto' runs Lloyd in JavaScript on the active backend: on 'cpu' and 'wasm', and on
 * 'tensorflow' (tfjs-node) unless TensorFlow placed ops on a GPU (tfjs-node-gpu). On a CPU the data
 * are already in host memory and the tensor engine pays a kernel launch per small op and a read per
 * iteration: on tfjs-node (2 cores) k-means of [96,128] features, K = 10, took 150 ms as tensor ops
 * and 7.5 ms on the host (docs/benchmarks.md).
 */
export function kmeansRunsOnHost(backendName: string = tf.getBackend(), backend: unknown = tf.backend()): boolean {
  if (HOST_BACKENDS.has(backendName)) return true;
  return backendName === 'tensorflow' && (backend as { isUsingGpuDevice?: boolean } | null)?.isUsingGpuDevice !== true;
}

/** What kmeans returns: assignments [N] int32, centroids [K,d], the inertia and the iterations of the best restart. */
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

/**
 * k-means on the rows of x [N,d]: k-means++ seeding from `Random(deriveSeed(seed, restart))`, Lloyd
 * iterations until the largest centroid shift is below `tolerance` or `maxIterations`, the restart with
 * the lowest inertia kept. Both engines run the same algorithm and draws (host: float64 distances;
 * tensor: float32 on the device). Synchronous. Not differentiable, and safe inside `tf.grad`: the
 * returned tensors are not connected to x on any tape.
 *
 * N ≤ k: row n is cluster n, inertia 0, clusters N..k−1 empty with zero centroids.
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
  const engine = opts.engine ?? 'auto';
  checkOneOf(engine, ['auto', 'host', 'tensor'] as const, 'engine', FN);
  const [n, d] = x.shape;
  const settings = { seed, restarts, maxIterations, tolerance };
  const useHost = engine === 'host' || (engine === 'auto' && kmeansRunsOnHost());
  if (!useHost && n > k) {
    const view = detach(x);
    try {
      const finite = tf.tidy(() => readSync(tf.all(tf.isFinite(view)), 'x', FN)[0]);
      checkFiniteValues(d === 0 || finite === 1, FN, () => `argument 'x' ${shapeString(x.shape)} contains NaN or infinite values`);
      return kmeansTensor(view, k, settings);
    } finally {
      view.dispose();
    }
  }
  const values = readSync(x, 'x', FN) as Float32Array;
  checkFiniteValues(values.every(Number.isFinite), FN, () => `argument 'x' ${shapeString(x.shape)} contains NaN or infinite values`);
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
  const run = kmeansHost(values, n, d, k, settings);
  return {
    assignments: tf.tensor1d(run.assignments, 'int32'),
    centroids: tf.tensor2d(run.centroids, [k, d]),
    inertia: run.inertia,
    iterations: run.iterations,
  };
}
