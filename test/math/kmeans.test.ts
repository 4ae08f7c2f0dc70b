import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kmeans, kmeansRunsOnHost, type KMeansOptions } from '../../src/math/kmeans';
import { expectClose, expectNoLeak } from '../helpers/tensors';

type Rows = number[][];

const sqDist = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);

function run(rows: Rows, k: number, opts = {}) {
  const x = tf.tensor2d(rows, undefined, 'float32');
  const r = kmeans({ x }, { ...opts, k: k });
  const out = {
    assignments: Array.from(r.assignments.dataSync()),
    centroids: r.centroids.arraySync(),
    inertia: r.inertia,
    iterations: r.iterations,
  };
  tf.dispose([x, r.assignments, r.centroids]);
  return out;
}

/** Global optimum of the k-means objective by enumerating every labelling (float64). */
function bruteForceInertia(rows: Rows, k: number): number {
  const n = rows.length;
  let best = Infinity;
  const labels = new Array<number>(n).fill(0);
  const visit = (i: number): void => {
    if (i === n) {
      let total = 0;
      for (let c = 0; c < k; c++) {
        const members = rows.filter((_, j) => labels[j] === c);
        if (members.length === 0) continue;
        const mean = members[0].map((_, dim) => members.reduce((s, m) => s + m[dim], 0) / members.length);
        total += members.reduce((s, m) => s + sqDist(m, mean), 0);
      }
      best = Math.min(best, total);
      return;
    }
    for (let c = 0; c < k; c++) {
      labels[i] = c;
      visit(i + 1);
    }
  };
  visit(0);
  return best;
}

const smallRows = (maxN: number, d: number) =>
  fc.array(fc.array(fc.float({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }), { minLength: d, maxLength: d }),
    { minLength: 1, maxLength: maxN });

for (const engine of ['host', 'tensor'] as const) describe(`kmeans (${engine} engine)`, () => {
  const runE = (rows: Rows, k: number, opts: KMeansOptions = {}) => run(rows, k, { ...opts, engine });

  it('splits two 1-D pairs at the gap (hand-computed: centroids 0.5 and 10.5, inertia 1)', async () => {
    await expectNoLeak(() => {
      const r = runE([[0], [1], [10], [11]], 2, { seed: 7 });
      expect(r.assignments[0]).toBe(r.assignments[1]);
      expect(r.assignments[2]).toBe(r.assignments[3]);
      expect(r.assignments[0]).not.toBe(r.assignments[2]);
      const sorted = r.centroids.map((c) => c[0]).sort((a, b) => a - b);
      expectClose(sorted, [0.5, 10.5]);
      expect(r.inertia).toBeCloseTo(1, 5);
    });
  });

  it('reaches the global optimum found by enumerating all labellings on three blobs', async () => {
    await expectNoLeak(() => {
      const rows = [[0, 0], [0.5, 0.2], [0.1, 0.6], [5, 5], [5.4, 4.8], [9, 0], [9.3, 0.4], [8.8, -0.3]];
      const r = runE(rows, 3, { seed: 1 });
      expect(r.inertia).toBeCloseTo(bruteForceInertia(rows, 3), 4);
    });
  });

  it('returns nearest-centroid assignments, cluster-mean centroids and the matching inertia (float64 check)', async () => {
    await expectNoLeak(() => {
      fc.assert(fc.property(smallRows(9, 2), fc.integer({ min: 1, max: 4 }), fc.integer(), (rows, k, seed) => {
        const r = runE(rows, k, { seed, tolerance: 0, maxIterations: 200 });
        let inertia = 0;
        rows.forEach((row, n) => {
          const own = sqDist(row, r.centroids[r.assignments[n]]);
          inertia += own;
          for (const c of r.centroids) expect(own).toBeLessThanOrEqual(sqDist(row, c) + 1e-3);
        });
        expect(r.inertia).toBeCloseTo(inertia, 2);
        if (rows.length > k) {
          for (let c = 0; c < k; c++) {
            const members = rows.filter((_, n) => r.assignments[n] === c);
            if (members.length === 0) continue;
            const mean = [0, 1].map((dim) => members.reduce((s, m) => s + m[dim], 0) / members.length);
            expectClose(r.centroids[c], mean, 1e-3, 1e-3);
          }
        }
      }), { numRuns: 25 });
    });
  });

  it('is deterministic for a seed', async () => {
    await expectNoLeak(() => {
      fc.assert(fc.property(smallRows(12, 3), fc.integer({ min: 1, max: 4 }), fc.integer(), (rows, k, seed) => {
        expect(runE(rows, k, { seed })).toEqual(runE(rows, k, { seed }));
      }), { numRuns: 20 });
    });
  });

  it('never ends above the inertia of its k-means++ initialisation', async () => {
    await expectNoLeak(() => {
      fc.assert(fc.property(smallRows(12, 2), fc.integer({ min: 1, max: 4 }), fc.integer(), (rows, k, seed) => {
        const init = runE(rows, k, { seed, restarts: 1, maxIterations: 0 });
        const final = runE(rows, k, { seed, restarts: 1 });
        expect(init.iterations).toBe(0);
        expect(final.inertia).toBeLessThanOrEqual(init.inertia * (1 + 1e-5) + 1e-4);
        const best = runE(rows, k, { seed, restarts: 3 });
        expect(best.inertia).toBeLessThanOrEqual(final.inertia * (1 + 1e-5) + 1e-4);
      }), { numRuns: 20 });
    });
  });

  it('gives every point its own cluster when N ≤ k, leaving the rest empty with zero centroids', async () => {
    await expectNoLeak(() => {
      const r = runE([[1, 2], [3, 4]], 4);
      expect(r.assignments).toEqual([0, 1]);
      expect(r.centroids).toEqual([[1, 2], [3, 4], [0, 0], [0, 0]]);
      expect(r.inertia).toBe(0);
      expect(r.iterations).toBe(0);
      const exact = runE([[1, 2], [1, 2], [5, 5]], 3);
      expect(exact.assignments).toEqual([0, 1, 2]);
      expect(exact.inertia).toBe(0);
    });
  });

  it('handles N = 0 (empty assignments, zero centroids)', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([0, 3]) as tf.Tensor2D;
      const r = kmeans({ x }, { k: 2, engine });
      expect(r.assignments.shape).toEqual([0]);
      expect(r.assignments.dtype).toBe('int32');
      expect(r.centroids.arraySync()).toEqual([[0, 0, 0], [0, 0, 0]]);
      expect(r.inertia).toBe(0);
      tf.dispose([x, r.assignments, r.centroids]);
    });
  });

  it('keeps the previous centroid of a cluster that becomes empty (duplicate points)', async () => {
    await expectNoLeak(() => {
      const rows = [[1, 1], [1, 1], [1, 1], [4, 0]];
      const r = runE(rows, 3, { seed: 3, restarts: 1 });
      expect(r.inertia).toBe(0);
      const used = new Set(r.assignments);
      expect(used.size).toBe(2);
      for (const c of r.centroids) {
        expect(rows.some((row) => row[0] === c[0] && row[1] === c[1])).toBe(true);
      }
    });
  });

  it('works inside tf.grad: its assignments can feed segment ops without breaking backprop', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor2d([[0, 0], [0, 1], [5, 5], [5, 6]]);
      const g = tf.grad((f: tf.Tensor) => {
        const r = kmeans({ x: f as tf.Tensor2D }, { k: 2, seed: 0, engine });
        r.centroids.dispose();
        return tf.unsortedSegmentSum(f, r.assignments, 2).sum() as tf.Scalar;
      })(x);
      expectClose(g.dataSync(), new Array(8).fill(1));
      tf.dispose([x, g]);
    });
  });

  it('rejects NaN values, bad k and bad options, naming the argument and shape', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor2d([[0, NaN], [1, 1], [2, 2]]);
      expect(() => kmeans({ x }, { k: 2, engine })).toThrow(/tear-ssl\.kmeans: argument 'x' \[3,2\] contains NaN/);
      tf.dispose(x);
      const y = tf.tensor2d([[0, 1], [1, 1]]);
      expect(() => kmeans({ x: y }, { k: 0, engine })).toThrow(/option 'k' must be >= 1/);
      expect(() => kmeans({ x: y }, { k: 1.5 })).toThrow(/'k' must be an integer/);
      expect(() => kmeans({ x: y }, { k: 1, restarts: 0, engine })).toThrow(/'restarts'/);
      expect(() => kmeans({ x: y }, { k: 1, tolerance: -1, engine })).toThrow(/'tolerance'/);
      tf.dispose(y);
      const v = tf.tensor1d([1, 2]);
      expect(() => kmeans({ x: v as unknown as tf.Tensor2D }, { k: 1, engine })).toThrow(/'x' must have rank 2, got shape \[2\]/);
      tf.dispose(v);
    });
  });
});

describe('kmeans engines', () => {
  it('host and tensor engines find the same partition and inertia on separated blobs', async () => {
    await expectNoLeak(() => {
      const rows: Rows = [];
      for (let c = 0; c < 4; c++) for (let i = 0; i < 6; i++) rows.push([10 * c + 0.3 * Math.sin(7 * i + c), 5 * (c % 2) + 0.3 * Math.cos(3 * i)]);
      const host = run(rows, 4, { seed: 5, engine: 'host' });
      const device = run(rows, 4, { seed: 5, engine: 'tensor' });
      expect(device.assignments).toEqual(host.assignments);
      expect(device.inertia).toBeCloseTo(host.inertia, 3);
    });
  });

  it("'auto' runs on the host on every CPU backend and on the device only for GPU backends", () => {
    expect(kmeansRunsOnHost('cpu', {})).toBe(true);
    expect(kmeansRunsOnHost('wasm', {})).toBe(true);
    expect(kmeansRunsOnHost('tensorflow', { isUsingGpuDevice: false })).toBe(true);
    expect(kmeansRunsOnHost('tensorflow', {})).toBe(true);
    expect(kmeansRunsOnHost('tensorflow', { isUsingGpuDevice: true })).toBe(false);
    expect(kmeansRunsOnHost('webgl', {})).toBe(false);
    expect(kmeansRunsOnHost('webgpu', {})).toBe(false);
    // The live backend of this run (cpu, wasm or tfjs-node on the CPU here) is a CPU backend.
    expect(kmeansRunsOnHost()).toBe(true);
  });

  it('rejects an unknown engine', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor2d([[0, 1], [1, 1]]);
      expect(() => kmeans({ x }, { k: 1, engine: 'gpu' as never })).toThrow(/option 'engine' must be one of 'auto', 'host', 'tensor'/);
      x.dispose();
    });
  });
});
