import { Random, deriveSeed } from '../state/random';
import { sampleProportional, type KMeansRun } from './kmeansSeeding';

/**
 * The host k-means engine: reads x once and clusters in JavaScript float64 (exact squared distances,
 * no tensor ops). Best on the cpu and wasm backends, and inside a gradient tape, which would otherwise
 * record every k-means op and clone its inputs (as when IPH runs inside the trainer's tf.variableGrads).
 */

/** The rows of x as float64, read once: row n is data[n·d, (n+1)·d). */
export interface Rows {
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

/**
 * A candidate centroid c is skipped for a row x whose best centroid so far is b when
 * ¼‖c_b − c_c‖² > ‖x − c_b‖²·(1 + SKIP_MARGIN): then ‖x − c_c‖ ≥ ‖c_b − c_c‖ − ‖x − c_b‖ > ‖x − c_b‖
 * (triangle inequality) by a relative margin far above the float64 rounding of these sums (about
 * d·2⁻⁵³), so the full float sums would have ranked c behind b too.
 */
const SKIP_MARGIN = 1e-9;

/**
 * Nearest centroid of every row (the lowest index on ties, i.e. the lexicographic minimum of
 * (squared distance, index)) and Σ_n its squared distance, exactly as full float64 sums over the
 * centroids in index order would give, with less work:
 * - the search starts from `previous[i]` (the row's centroid in the last Lloyd iteration), where
 *   the best distance is usually found at once;
 * - a candidate is skipped when the triangle inequality shows it is farther (SKIP_MARGIN, Elkan 2003's
 *   first lemma);
 * - a candidate's sum stops once it exceeds the best distance (or reaches it, for a higher index):
 *   its terms are non-negative, and float addition of non-negative terms never decreases a partial sum.
 * The winner's distance is always a full sum in index order, so the assignments and the inertia are
 * the same bits as the plain search's. Reference: C. Elkan, "Using the triangle inequality to
 * accelerate k-means", ICML 2003.
 */
export function nearestCentroids(rows: Rows, centroids: Float64Array, k: number, into: Int32Array, previous?: Int32Array): number {
  const { n, d, data } = rows;
  // quarterGap[b·k + c] = ¼‖c_b − c_c‖²
  const quarterGap = new Float64Array(k * k);
  for (let b = 0; b < k; b++) {
    for (let c = b + 1; c < k; c++) {
      let g = 0;
      for (let j = 0; j < d; j++) {
        const diff = centroids[b * d + j] - centroids[c * d + j];
        g += diff * diff;
      }
      quarterGap[b * k + c] = g / 4;
      quarterGap[c * k + b] = g / 4;
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const base = i * d;
    let best = previous === undefined ? 0 : previous[i];
    let bestDistance = squaredDistance(rows, i, centroids, best * d);
    for (let c = 0; c < k; c++) {
      if (c === best || quarterGap[best * k + c] > bestDistance * (1 + SKIP_MARGIN)) continue;
      const offset = c * d;
      // a higher index loses a tie, so its sum may stop on reaching the best; a lower one must exceed it
      const lower = c < best;
      let distance = 0;
      let j = 0;
      // check the bound every 8 terms (a branch per term costs more than it saves)
      while (j < d) {
        const end = Math.min(j + 8, d);
        for (; j < end; j++) {
          const diff = data[base + j] - centroids[offset + j];
          distance += diff * diff;
        }
        if (lower ? distance > bestDistance : distance >= bestDistance) break;
      }
      if (distance < bestDistance || (lower && distance === bestDistance && j === d)) {
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
    chosen.push(sampleProportional(nearest, total, random));
  }
  return chosen;
}

/**
 * Lloyd iterations from the rows `start`: assign each row to its nearest centroid, move each
 * centroid to its cluster mean (an empty cluster keeps its centroid); stop after `maxIterations`
 * or when the largest Euclidean centroid shift is below `tolerance`.
 */
function lloyd(rows: Rows, start: number[], maxIterations: number, tolerance: number): { centroids: Float64Array; iterations: number; assignments: Int32Array } {
  const { n, d, data } = rows;
  const k = start.length;
  let centroids = new Float64Array(k * d);
  start.forEach((row, c) => centroids.set(data.subarray(row * d, (row + 1) * d), c * d));
  const assignments = new Int32Array(n);
  const counts = new Float64Array(k);
  let iterations = 0;
  while (iterations < maxIterations) {
    nearestCentroids(rows, centroids, k, assignments, iterations > 0 ? assignments : undefined);
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
  return { centroids, iterations, assignments };
}

/**
 * k-means of the rows of `values` (row-major [n,d]) with n > k: `restarts` k-means++ starts seeded by
 * deriveSeed(seed, r), Lloyd iterations, the lowest-inertia run kept (ties: the earliest).
 */
export function kmeansHost(
  values: Float32Array, n: number, d: number, k: number,
  opts: { seed: number; restarts: number; maxIterations: number; tolerance: number },
): KMeansRun {
  const rows: Rows = { data: Float64Array.from(values), n, d };
  let best: { centroids: Float64Array; iterations: number; inertia: number; assignments: Int32Array } | null = null;
  for (let r = 0; r < opts.restarts; r++) {
    const run = lloyd(rows, kmeansPlusPlusRows(rows, k, new Random(deriveSeed(opts.seed, r))), opts.maxIterations, opts.tolerance);
    const assignments = new Int32Array(n);
    // the last Lloyd iteration's assignments start the search (none when maxIterations is 0)
    const inertia = nearestCentroids(rows, run.centroids, k, assignments, run.iterations > 0 ? run.assignments : undefined);
    if (best === null || inertia < best.inertia) best = { centroids: run.centroids, iterations: run.iterations, inertia, assignments };
  }
  const kept = best as { centroids: Float64Array; iterations: number; inertia: number; assignments: Int32Array };
  return { assignments: kept.assignments, centroids: Float32Array.from(kept.centroids), inertia: kept.inertia, iterations: kept.iterations };
}
