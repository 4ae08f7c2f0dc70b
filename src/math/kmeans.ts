import * as tf from '@tensorflow/tfjs';
import { checkFiniteValues, checkInputs, checkNumber, checkOneOf, checkRequiredOptions, checkTensor, shapeString } from '../util/checks';
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

/** Options of {@link kmeans}: the number of clusters k (required) and the {@link KMeansOptions}. */
export interface KMeansRunOptions extends KMeansOptions {
  /** k ≥ 1, the number of clusters. Required. */
  k: number;
}

/** Inputs of {@link kmeans}. */
export interface KMeansInputs {
  /** x [N,d] float32, the rows to cluster (finite). */
  x: tf.Tensor2D;
}

/** Where k-means runs: 'tensor' on the device, 'host' in float64 JavaScript, 'auto' picks per backend. */
export type KMeansEngine = 'auto' | 'host' | 'tensor';

const HOST_BACKENDS = new Set(['cpu', 'wasm']);

/**
 * Whether engine 'auto' runs Lloyd in JavaScript on the active backend: on 'cpu' and 'wasm', and on
 * 'tensorflow' (tfjs-node) unless TensorFlow placed ops on a GPU (tfjs-node-gpu). On a CPU the data
 * are already in host memory and the tensor engine pays a kernel launch per small op and a read per
 * iteration: on tfjs-node (2 cores) k-means of [96,128] features, K = 10, took 150 ms as tensor ops
 * and 7.5 ms on the host (docs/benchmarks.md). Not a tensor function: a query of the backend.
 *
 * @param backendName a backend name, default the active one.
 * @param backend that backend's object (read for tfjs-node's `isUsingGpuDevice`), default the active one.
 * @returns true when `kmeans` with engine 'auto' runs on the host.
 * @see TEAR spec §4, step 1 ("run it with tensor ops so it runs on the accelerator too"); docs/backends.md.
 * @example
 * ```ts
 * const onHost = kmeansRunsOnHost('cpu');   // true
 * ```
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
 * k-means on the rows of x: minimises the inertia Σ_n min_j ‖x_n − c_j‖² by k-means++ seeding from
 * `Random(deriveSeed(seed, restart))` and Lloyd iterations until the largest centroid shift is below
 * `tolerance` or `maxIterations`, the restart with the lowest inertia kept. Both engines run the same
 * algorithm and draws (host: float64 distances; tensor: float32 on the device). Synchronous. Not
 * differentiable, and safe inside `tf.grad`: the returned tensors are not connected to x on any tape.
 * N ≤ k: row n is cluster n, inertia 0, clusters N..k−1 empty with zero centroids.
 * Non-finite values in x throw.
 *
 * @param inputs `x` [N,d] float32.
 * @param options `k` (required), `seed`, `restarts`, `maxIterations`, `tolerance`, `engine` (see KMeansOptions).
 * @returns `assignments` int32 [N] in [0, k), `centroids` [k,d], `inertia` and `iterations` (numbers).
 * @see TEAR spec §4, step 1; Arthur & Vassilvitskii, "k-means++: the advantages of careful seeding", SODA 2007; Lloyd, IEEE Trans. Inf. Theory 1982.
 * @example
 * ```ts
 * const { assignments, centroids, inertia } = kmeans(
 *   { x: tf.tensor2d([[0, 0], [0, 1], [10, 0], [10, 1]]) },
 *   { k: 2, seed: 1 },
 * );   // two clusters of two rows, inertia 1
 * ```
 */
export function kmeans(inputs: KMeansInputs, options: KMeansRunOptions): KMeansResult {
  const { hostAssignments: _, ...result } = kmeansWithHostAssignments(inputs, options);
  return result;
}

/**
 * {@link kmeans}, also returning the assignments as a host array when the run made them on the host
 * (engine 'host', or n ≤ k), so that a caller needing them there (iphLoss) does not read them back.
 */
export function kmeansWithHostAssignments(inputs: KMeansInputs, options: KMeansRunOptions): KMeansResult & { hostAssignments?: Int32Array } {
  const form = 'kmeans({ x }, { k, seed, restarts, maxIterations, tolerance, engine })';
  checkInputs(inputs, FN, form);
  checkRequiredOptions(options, FN, form);
  const { x } = inputs;
  const { k } = options;
  checkTensor(x, 'x', FN, { rank: 2, dtype: 'float32' });
  checkNumber(k, 'k', FN, { min: 1, integer: true });
  const { seed = 0, restarts = 3, maxIterations = 50, tolerance = 1e-4 } = options;
  checkNumber(seed, 'seed', FN, { integer: true });
  checkNumber(restarts, 'restarts', FN, { min: 1, integer: true });
  checkNumber(maxIterations, 'maxIterations', FN, { min: 0, integer: true });
  checkNumber(tolerance, 'tolerance', FN, { min: 0 });
  const engine = options.engine ?? 'auto';
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
    const hostAssignments = Int32Array.from({ length: n }, (_, i) => i);
    return {
      hostAssignments,
      assignments: tf.tensor1d(hostAssignments, 'int32'),
      centroids: tf.tensor2d(centroids, [k, d]),
      inertia: 0,
      iterations: 0,
    };
  }
  const run = kmeansHost(values, n, d, k, settings);
  return {
    hostAssignments: run.assignments,
    assignments: tf.tensor1d(run.assignments, 'int32'),
    centroids: tf.tensor2d(run.centroids, [k, d]),
    inertia: run.inertia,
    iterations: run.iterations,
  };
}
