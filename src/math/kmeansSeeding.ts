import type { Random } from '../state/random';

/** What one k-means engine returns for n > k rows: assignments [n], centroids [k·d] row-major. */
export interface KMeansRun {
  assignments: Int32Array;
  centroids: Float32Array;
  inertia: number;
  iterations: number;
}

/**
 * The k-means++ draw of the next centre: row i with probability nearest_i / total (nearest_i = squared
 * distance to the closest chosen centre); uniform when every distance is 0. Rows at distance 0 are
 * never drawn while another row is farther away.
 */
export function sampleProportional(nearest: ArrayLike<number>, total: number, random: Random): number {
  const n = nearest.length;
  if (!(total > 0)) return random.nextInt(n);
  let remaining = random.next() * total;
  let pick = -1;
  for (let i = 0; i < n; i++) {
    if (nearest[i] <= 0) continue;
    pick = i;
    remaining -= nearest[i];
    if (remaining < 0) break;
  }
  return pick;
}
