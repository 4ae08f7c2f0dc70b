import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iphLoss, type IphOptions } from '../../src/math/iphLoss';
import { expectClose, expectGradientMatches, expectNoLeak } from '../helpers/tensors';

const cosine = (a: number[], b: number[]): number => {
  const dot = a.reduce((s, v, i) => s + v * b[i], 0);
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return dot / (norm(a) * norm(b) + 1e-4);
};

function means(rows: number[][], ids: number[], k: number): { protos: number[][]; counts: number[] } {
  const d = rows[0]?.length ?? 0;
  const protos = Array.from({ length: k }, () => new Array<number>(d).fill(0));
  const counts = new Array<number>(k).fill(0);
  rows.forEach((row, n) => {
    counts[ids[n]]++;
    row.forEach((v, j) => { protos[ids[n]][j] += v; });
  });
  protos.forEach((p, i) => p.forEach((_, j) => { p[j] /= Math.max(counts[i], 1); }));
  return { protos, counts };
}

/** Float64 IPH with a brute-force best matching: L = 1 − (best total cosine)/|I|, whatever optimum is picked. */
function referenceLoss(f: number[][], a: number[], ft: number[][], at: number[], k: number, kr: number): number {
  const s = means(f, a, k);
  const r = means(ft, at, kr);
  const rows = s.counts.flatMap((c, i) => (c > 0 ? [i] : []));
  const cols = r.counts.flatMap((c, j) => (c > 0 ? [j] : []));
  const pairs = Math.min(rows.length, cols.length);
  if (pairs === 0) return 0;
  const [small, large, sim] = rows.length <= cols.length
    ? [rows, cols, (i: number, j: number) => cosine(s.protos[i], r.protos[j])]
    : [cols, rows, (j: number, i: number) => cosine(s.protos[i], r.protos[j])];
  const used = new Set<number>();
  const best = (n: number): number => {
    if (n === small.length) return 0;
    let top = -Infinity;
    for (const other of large) {
      if (used.has(other)) continue;
      used.add(other);
      top = Math.max(top, sim(small[n], other) + best(n + 1));
      used.delete(other);
    }
    return top;
  };
  return 1 - best(0) / pairs;
}

interface Case { f: number[][]; ft: number[][]; a?: number[]; at?: number[] }

function iph(c: Case, opts: IphOptions) {
  const t = {
    studentFeatures: tf.tensor2d(c.f, [c.f.length, c.f[0]?.length ?? 2]),
    referenceFeatures: tf.tensor2d(c.ft, [c.ft.length, c.ft[0]?.length ?? 2]),
    referenceAssignments: c.at && tf.tensor1d(c.at, 'int32'),
    studentAssignments: c.a && tf.tensor1d(c.a, 'int32'),
  };
  try {
    const r = iphLoss(t, opts);
    const out = { loss: r.loss.dataSync()[0], assignments: Array.from(r.assignments.dataSync()), pairs: r.pairs };
    tf.dispose([r.loss, r.assignments]);
    return out;
  } finally {
    tf.dispose([t.studentFeatures, t.referenceFeatures, ...(t.referenceAssignments ? [t.referenceAssignments] : []), ...(t.studentAssignments ? [t.studentAssignments] : [])]);
  }
}

const f32 = (m: number[][]) => m.map((r) => Array.from(Float32Array.from(r)));

describe('iphLoss', () => {
  it('matches a hand-computed case with swapped cluster ids', async () => {
    await expectNoLeak(() => {
      const f = [[1, 0], [1, 0.2], [0, 1], [0.2, 1]];
      const ft = [[2, 0], [2, 0], [0, 3], [0, 3]];
      const r = iph({ f, ft, a: [1, 1, 0, 0], at: [0, 0, 1, 1] }, { numClusters: 2 });
      // P0 = (0.1, 1), P1 = (1, 0.1), P̃0 = (2, 0), P̃1 = (0, 3); ‖P‖ = √1.01.
      const expected = 1 - (2 / (Math.sqrt(1.01) * 2 + 1e-4) + 3 / (Math.sqrt(1.01) * 3 + 1e-4)) / 2;
      expect(r.pairs).toEqual([[0, 1], [1, 0]]);
      expect(r.loss).toBeCloseTo(expected, 6);
    });
  });

  it('runs k-means itself on separated data and recovers the same loss', async () => {
    await expectNoLeak(() => {
      const f = [[1, 0], [1, 0.2], [0, 1], [0.2, 1]];
      const ft = [[2, 0], [2, 0], [0, 3], [0, 3]];
      const r = iph({ f, ft, at: [0, 0, 1, 1] }, { numClusters: 2, seed: 5 });
      expect(r.assignments[0]).toBe(r.assignments[1]);
      expect(r.assignments[2]).toBe(r.assignments[3]);
      expect(r.assignments[0]).not.toBe(r.assignments[2]);
      const expected = 1 - (2 / (Math.sqrt(1.01) * 2 + 1e-4) + 3 / (Math.sqrt(1.01) * 3 + 1e-4)) / 2;
      expect(r.loss).toBeCloseTo(expected, 6);
      const km = iph({ f, ft }, { numClusters: 2, reference: 'kmeans', seed: 5 });
      expect(km.loss).toBeCloseTo(expected, 6);
    });
  });

  it('agrees with a float64 reference using brute-force matching', async () => {
    const quarter = fc.integer({ min: -12, max: 12 }).map((v) => v / 4);
    await expectNoLeak(() => {
      const arb = fc.record({ u: fc.integer({ min: 1, max: 7 }), d: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 1, max: 4 }), kr: fc.integer({ min: 1, max: 4 }) })
        .chain(({ u, d, k, kr }) => fc.record({
          // Quarter steps: every sum is exact in float32, so a prototype is exactly 0 or at least 1/28 away
          // from it. Arbitrary floats let cancellation (3 + 2.7e-6 − 3) flip a near-zero prototype's
          // direction with the backend's summation order (seen on tfjs-node), which no float32 code can match.
          f: fc.array(fc.array(quarter, { minLength: d, maxLength: d }), { minLength: u, maxLength: u }),
          ft: fc.array(fc.array(quarter, { minLength: d, maxLength: d }), { minLength: u, maxLength: u }),
          a: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: u, maxLength: u }),
          at: fc.array(fc.integer({ min: 0, max: kr - 1 }), { minLength: u, maxLength: u }),
          k: fc.constant(k), kr: fc.constant(kr),
        }));
      fc.assert(fc.property(arb, ({ f, ft, a, at, k, kr }) => {
        const r = iph({ f, ft, a, at }, { numClusters: k, referenceGroups: kr });
        expect(r.loss).toBeCloseTo(referenceLoss(f32(f), a, f32(ft), at, k, kr), 4);
      }), { numRuns: 60 });
    });
  });

  it('is invariant to relabelling the student clusters', async () => {
    await expectNoLeak(() => {
      const arb = fc.record({ u: fc.integer({ min: 1, max: 8 }), k: fc.integer({ min: 1, max: 4 }) }).chain(({ u, k }) => fc.record({
        f: fc.array(fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: 2, maxLength: 2 }), { minLength: u, maxLength: u }),
        ft: fc.array(fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: 2, maxLength: 2 }), { minLength: u, maxLength: u }),
        a: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: u, maxLength: u }),
        at: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: u, maxLength: u }),
        perm: fc.shuffledSubarray([...Array(k).keys()], { minLength: k, maxLength: k }),
        k: fc.constant(k),
      }));
      fc.assert(fc.property(arb, ({ f, ft, a, at, perm, k }) => {
        const base = iph({ f, ft, a, at }, { numClusters: k });
        const relabelled = iph({ f, ft, a: a.map((c) => perm[c]), at }, { numClusters: k });
        expect(relabelled.loss).toBeCloseTo(base.loss, 5);
      }), { numRuns: 60 });
    });
  });

  it('has the numerical gradient in studentFeatures (given and k-means assignments)', async () => {
    await expectNoLeak(() => {
      const f = tf.tensor2d([[1.2, -0.3, 0.5], [0.9, 0.1, 0.4], [-0.8, 1.1, 0.2], [-1.0, 0.7, -0.1], [0.1, -0.9, 1.3]]);
      const ft = tf.tensor2d([[1, 0, 0.3], [0.8, 0.2, 0.1], [-0.5, 1.2, 0], [-0.9, 0.4, 0.2], [0.3, -1, 0.9]]);
      const at = tf.tensor1d([0, 0, 1, 1, 2], 'int32');
      const a = tf.tensor1d([2, 2, 0, 1, 1], 'int32');
      expectGradientMatches((x) => iphLoss({ studentFeatures: x as tf.Tensor2D, referenceFeatures: ft, referenceAssignments: at, studentAssignments: a }, { numClusters: 3 }).loss, f);
      const blobs = tf.tensor2d([[5, 0], [5.3, 0.4], [0, 5], [0.2, 5.5], [-5, -5], [-5.5, -4.6]]);
      const blobsRef = tf.tensor2d([[4, 1], [5, 0], [1, 4], [0, 6], [-4, -5], [-6, -4]]);
      const groups = tf.tensor1d([1, 1, 2, 2, 0, 0], 'int32');
      expectGradientMatches((x) => iphLoss({ studentFeatures: x as tf.Tensor2D, referenceFeatures: blobsRef, referenceAssignments: groups }, { numClusters: 3, seed: 2 }).loss, blobs);
      tf.dispose([f, ft, at, a, blobs, blobsRef, groups]);
    });
  });

  it('sends no gradient into referenceFeatures', async () => {
    await expectNoLeak(() => {
      const init = [tf.tensor2d([[1, 0.5], [0.2, 1], [0.9, -0.4]]), tf.tensor2d([[1, 0], [0, 1], [1, -1]])];
      const student = tf.variable(init[0], true, 'iphStudent');
      const ref = tf.variable(init[1], true, 'iphReference');
      const at = tf.tensor1d([0, 1, 0], 'int32');
      const { value, grads } = tf.variableGrads(() => iphLoss({ studentFeatures: student, referenceFeatures: ref, referenceAssignments: at }, { numClusters: 2 }).loss, [student, ref]);
      expect(Object.keys(grads)).toEqual(['iphStudent']);
      expect(grads.iphStudent.shape).toEqual([3, 2]);
      tf.dispose([value, ...Object.values(grads), student, ref, at, ...init]);
    });
  });

  it('returns 0 with a finite zero gradient when no pair exists (U = 0)', async () => {
    await expectNoLeak(() => {
      const empty = tf.zeros([0, 3]) as tf.Tensor2D;
      const ids = tf.zeros([0], 'int32') as tf.Tensor1D;
      const r = iphLoss({ studentFeatures: empty, referenceFeatures: empty, referenceAssignments: ids }, { numClusters: 3 });
      expect(r.loss.dataSync()[0]).toBe(0);
      expect(r.pairs).toEqual([]);
      tf.dispose([r.loss, r.assignments]);
      const g = tf.grad((x) => iphLoss({ studentFeatures: x as tf.Tensor2D, referenceFeatures: empty, referenceAssignments: ids }, { numClusters: 3 }).loss)(empty);
      expect(g.shape).toEqual([0, 3]);
      tf.dispose([g, empty, ids]);
    });
  });

  it('gives a zero gradient, not NaN, at a zero prototype', async () => {
    await expectNoLeak(() => {
      const f = tf.tensor2d([[1, 0], [-1, 0], [0, 2]]);
      const ft = tf.tensor2d([[1, 1], [1, 1], [0, 1]]);
      const at = tf.tensor1d([0, 0, 1], 'int32');
      const a = tf.tensor1d([0, 0, 1], 'int32');
      const g = tf.grad((x) => iphLoss({ studentFeatures: x as tf.Tensor2D, referenceFeatures: ft, referenceAssignments: at, studentAssignments: a }, { numClusters: 2 }).loss)(f);
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([f, ft, at, a, g]);
    });
  });

  it('handles fewer samples than clusters and a single class (hand-computed)', async () => {
    await expectNoLeak(() => {
      const few = iph({ f: [[1, 0], [0, 1]], ft: [[0, 2], [3, 0]], at: [3, 1] }, { numClusters: 4 });
      expect(few.assignments).toEqual([0, 1]);
      expect(few.pairs).toEqual([[0, 1], [1, 3]]);
      expect(few.loss).toBeCloseTo(1 - (3 / (3 + 1e-4) + 2 / (2 + 1e-4)) / 2, 6);
      const one = iph({ f: [[1, 0], [0, 1]], ft: [[1, 1], [3, 1]], at: [0, 0] }, { numClusters: 1 });
      // P = (0.5, 0.5), P̃ = (2, 1): cos = 1.5 / (√0.5·√5 + 1e-4).
      expect(one.pairs).toEqual([[0, 0]]);
      expect(one.loss).toBeCloseTo(1 - 1.5 / (Math.sqrt(0.5) * Math.sqrt(5) + 1e-4), 6);
    });
  });

  it('rejects NaN features, mismatched shapes, missing options and out-of-range groups', async () => {
    await expectNoLeak(() => {
      expect(() => iph({ f: [[NaN, 0], [1, 1]], ft: [[1, 0], [1, 1]], at: [0, 1] }, { numClusters: 2 }))
        .toThrow(/tear-ssl\.iphLoss: argument 'studentFeatures' \[2,2\] contains NaN/);
      expect(() => iph({ f: [[0, 0], [1, 1]], ft: [[1, 0], [1, Infinity]], at: [0, 1] }, { numClusters: 2 }))
        .toThrow(/'referenceFeatures' \[2,2\] contains NaN or infinite/);
      expect(() => iph({ f: [[0, 0], [1, 1]], ft: [[1, 0]], at: [0, 1] }, { numClusters: 2 }))
        .toThrow(/'studentFeatures' \[2,2\] and 'referenceFeatures' \[1,2\] must have the same shape/);
      expect(() => iph({ f: [[0, 0], [1, 1]], ft: [[1, 0], [0, 1]] }, { numClusters: 2 })).toThrow(/'referenceAssignments'.*required/);
      expect(() => iph({ f: [[0, 0], [1, 1]], ft: [[1, 0], [0, 1]], at: [0, 5] }, { numClusters: 2 })).toThrow(/value 5 at index 1, outside \[0, 2\)/);
      expect(() => iph({ f: [[0, 0]], ft: [[1, 0]], at: [0] }, undefined as unknown as IphOptions)).toThrow(/'numClusters' is required/);
      expect(() => iph({ f: [[0, 0]], ft: [[1, 0]], at: [0] }, { numClusters: 1, reference: 'other' as 'kmeans' })).toThrow(/'reference' must be one of/);
    });
  });
});
