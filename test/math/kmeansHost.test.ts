import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kmeansHost, nearestCentroids } from '../../src/math/kmeansHost';
import { sampleProportional } from '../../src/math/kmeansSeeding';
import { Random, deriveSeed } from '../../src/state/random';

/**
 * The host engine's plain definition, written independently: full float64 sums, every centroid tried
 * in index order, the first strict minimum kept. kmeansHost skips work (a start from the last
 * assignment, triangle-inequality skips, early-stopped sums) and must give the same bits.
 */
function plainKmeans(values: Float32Array, n: number, d: number, k: number, opts: { seed: number; restarts: number; maxIterations: number; tolerance: number }) {
  const x = Float64Array.from(values);
  const dist = (i: number, c: Float64Array, o: number) => {
    let t = 0;
    for (let j = 0; j < d; j++) t += (x[i * d + j] - c[o + j]) ** 2;
    return t;
  };
  const nearest = (c: Float64Array, into: Int32Array) => {
    let inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = dist(i, c, 0);
      for (let q = 1; q < k; q++) {
        const v = dist(i, c, q * d);
        if (v < bd) { best = q; bd = v; }
      }
      into[i] = best;
      inertia += bd;
    }
    return inertia;
  };
  let kept: { centroids: Float64Array; inertia: number; iterations: number; assignments: Int32Array } | null = null;
  for (let r = 0; r < opts.restarts; r++) {
    const random = new Random(deriveSeed(opts.seed, r));
    const chosen = [random.nextInt(n)];
    const near = new Float64Array(n).fill(Infinity);
    for (let q = 1; q < k; q++) {
      const last = chosen[chosen.length - 1];
      let total = 0;
      for (let i = 0; i < n; i++) {
        near[i] = Math.min(near[i], dist(i, x, last * d));
        total += near[i];
      }
      chosen.push(sampleProportional(near, total, random));
    }
    let centroids = new Float64Array(k * d);
    chosen.forEach((row, q) => centroids.set(x.subarray(row * d, (row + 1) * d), q * d));
    const a = new Int32Array(n);
    let iterations = 0;
    while (iterations < opts.maxIterations) {
      nearest(centroids, a);
      const moved = new Float64Array(k * d);
      const counts = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        counts[a[i]] += 1;
        for (let j = 0; j < d; j++) moved[a[i] * d + j] += x[i * d + j];
      }
      let largest = 0;
      for (let q = 0; q < k; q++) {
        let shift = 0;
        for (let j = 0; j < d; j++) {
          const v = counts[q] > 0 ? moved[q * d + j] / counts[q] : centroids[q * d + j];
          moved[q * d + j] = v;
          shift += (v - centroids[q * d + j]) ** 2;
        }
        largest = Math.max(largest, Math.sqrt(shift));
      }
      centroids = moved;
      iterations++;
      if (largest < opts.tolerance) break;
    }
    const assignments = new Int32Array(n);
    const inertia = nearest(centroids, assignments);
    if (kept === null || inertia < kept.inertia) kept = { centroids, inertia, iterations, assignments };
  }
  const best = kept as NonNullable<typeof kept>;
  return { assignments: Array.from(best.assignments), centroids: Array.from(Float32Array.from(best.centroids)), inertia: best.inertia, iterations: best.iterations };
}

describe('kmeansHost', () => {
  it('nearestCentroids: the lexicographic minimum of (squared distance, index) and its inertia, from any start, ties and duplicate centroids included (fast-check)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 10_000 }),
      (k, d, n, seed) => {
        const random = new Random(seed);
        // values in {0, 1, 2}: many rows equidistant from two centroids, and equal centroids
        const grid = () => Math.floor(random.next() * 3);
        const data = Float64Array.from({ length: n * d }, grid);
        const centroids = Float64Array.from({ length: k * d }, () => (random.next() < 0.7 ? grid() : grid() + 0.5));
        const previous = Int32Array.from({ length: n }, () => random.nextInt(k));
        const into = new Int32Array(n);
        const inertia = nearestCentroids({ data, n, d }, centroids, k, into, previous);
        const expected: number[] = [];
        let expectedInertia = 0;
        for (let i = 0; i < n; i++) {
          let best = 0;
          let bd = Infinity;
          for (let c = 0; c < k; c++) {
            let t = 0;
            for (let j = 0; j < d; j++) t += (data[i * d + j] - centroids[c * d + j]) ** 2;
            if (t < bd) { best = c; bd = t; }
          }
          expected.push(best);
          expectedInertia += bd;
        }
        expect(Array.from(into)).toEqual(expected);
        expect(inertia).toBe(expectedInertia);
      },
    ), { numRuns: 500 });
  });

  it('gives the same bits as the plain search: assignments, centroids, inertia, iterations (fast-check; ties included)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 6 }), // k
      fc.integer({ min: 1, max: 5 }), // d
      fc.integer({ min: 1, max: 25 }), // extra rows beyond k
      fc.boolean(), // integer-valued rows: many exactly equal distances
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 4 }), // maxIterations (0: the seeding itself)
      (k, d, extra, integers, seed, maxIterations) => {
        const n = k + extra;
        const random = new Random(seed + 17);
        const values = Float32Array.from({ length: n * d }, () => (integers ? Math.floor(random.next() * 3) : random.next() * 10 - 5));
        const opts = { seed, restarts: 2, maxIterations, tolerance: 1e-4 };
        const ours = kmeansHost(values, n, d, k, opts);
        const plain = plainKmeans(values, n, d, k, opts);
        expect({ assignments: Array.from(ours.assignments), centroids: Array.from(ours.centroids), inertia: ours.inertia, iterations: ours.iterations }).toEqual(plain);
      },
    ), { numRuns: 300 });
  });

  it('the same bits on feature-like data (96 × 128, K = 10, the trainer\'s 3 restarts × 20 iterations)', () => {
    const random = new Random(3);
    const n = 96;
    const d = 128;
    // post-ReLU features around ten centres, some rows duplicated
    const values = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const centre = i % 10;
      for (let j = 0; j < d; j++) values[i * d + j] = Math.max(0, (j % 10 === centre ? 1 : 0) + random.next() - 0.5);
    }
    values.copyWithin(90 * d, 0, 6 * d);
    const opts = { seed: 7, restarts: 3, maxIterations: 20, tolerance: 1e-4 };
    const ours = kmeansHost(values, n, d, 10, opts);
    expect({ assignments: Array.from(ours.assignments), centroids: Array.from(ours.centroids), inertia: ours.inertia, iterations: ours.iterations })
      .toEqual(plainKmeans(values, n, d, 10, opts));
  });
});
