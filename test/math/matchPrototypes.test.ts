import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchPrototypes } from '../../src/math/matchPrototypes';
import { expectNoLeak } from '../helpers/tensors';

const cosine = (a: number[], b: number[]): number => {
  const dot = a.reduce((s, v, i) => s + v * b[i], 0);
  const na = Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const nb = Math.sqrt(b.reduce((s, v) => s + v * v, 0));
  return dot / (na * nb + 1e-4);
};

/** Best total cosine over every injective map of the smaller side into the larger (float64). */
function bruteForceBest(sim: number[][]): number {
  const transpose = sim.length > (sim[0]?.length ?? 0);
  const m = transpose ? sim[0].map((_, j) => sim.map((row) => row[j])) : sim;
  const used = new Array<boolean>(m[0].length).fill(false);
  const visit = (i: number): number => {
    if (i === m.length) return 0;
    let best = -Infinity;
    for (let j = 0; j < used.length; j++) {
      if (used[j]) continue;
      used[j] = true;
      best = Math.max(best, m[i][j] + visit(i + 1));
      used[j] = false;
    }
    return best;
  };
  return visit(0);
}

function match(s: number[][], r: number[][], sc: number[], rc: number[]): Array<[number, number]> {
  const t = [tf.tensor2d(s), tf.tensor2d(r), tf.tensor1d(sc), tf.tensor1d(rc)] as const;
  try {
    return matchPrototypes({ student: t[0], reference: t[1], studentCounts: t[2], referenceCounts: t[3] });
  } finally {
    tf.dispose([...t]);
  }
}

const matrix = (rows: number, d: number) =>
  fc.array(fc.array(fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }), { minLength: d, maxLength: d }),
    { minLength: rows, maxLength: rows });

describe('matchPrototypes', () => {
  it('undoes a permutation of the cluster ids (hand case)', async () => {
    await expectNoLeak(() => {
      const reference = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
      const student = [[0, 0.1, 2], [3, 0.2, 0], [0.1, 1, 0]];
      expect(match(student, reference, [1, 1, 1], [1, 1, 1])).toEqual([[0, 2], [1, 0], [2, 1]]);
    });
  });

  it('prefers the best total over greedy choices (hand case)', async () => {
    await expectNoLeak(() => {
      // greedy takes s0–r0 (0.995) and is left with s1–r1 (0.300): 1.295; s0–r1 (0.584) + s1–r0 (0.976) = 1.560.
      const student = [[1, 0.1], [0.9, -0.2]];
      const reference = [[1, 0], [0.5, 0.866]];
      const pairs = match(student, reference, [2, 2], [3, 1]);
      expect(pairs).toEqual([[0, 1], [1, 0]]);
      const total = pairs.reduce((s, [i, j]) => s + cosine(student[i], reference[j]), 0);
      expect(total).toBeCloseTo(bruteForceBest(student.map((a) => reference.map((b) => cosine(a, b)))), 5);
    });
  });

  it('matches the brute-force optimum over non-empty groups, rectangular included', async () => {
    await expectNoLeak(() => {
      const sizes = fc.record({ k: fc.integer({ min: 1, max: 5 }), kr: fc.integer({ min: 1, max: 5 }), d: fc.integer({ min: 1, max: 3 }) });
      fc.assert(fc.property(sizes.chain(({ k, kr, d }) => fc.record({
        s: matrix(k, d), r: matrix(kr, d),
        sc: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: k, maxLength: k }),
        rc: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: kr, maxLength: kr }),
      })), ({ s, r, sc, rc }) => {
        const pairs = match(s, r, sc, rc);
        const rows = sc.flatMap((c, i) => (c > 0 ? [i] : []));
        const cols = rc.flatMap((c, j) => (c > 0 ? [j] : []));
        expect(pairs.length).toBe(Math.min(rows.length, cols.length));
        expect(new Set(pairs.map((p) => p[0])).size).toBe(pairs.length);
        expect(new Set(pairs.map((p) => p[1])).size).toBe(pairs.length);
        for (const [i, j] of pairs) {
          expect(sc[i]).toBeGreaterThan(0);
          expect(rc[j]).toBeGreaterThan(0);
        }
        expect(pairs.map((p) => p[0])).toEqual([...pairs.map((p) => p[0])].sort((a, b) => a - b));
        if (pairs.length === 0) return;
        const f32 = (m: number[][]) => m.map((row) => Array.from(Float32Array.from(row)));
        const s32 = f32(s);
        const r32 = f32(r);
        const total = pairs.reduce((acc, [i, j]) => acc + cosine(s32[i], r32[j]), 0);
        const best = bruteForceBest(rows.map((i) => cols.map((j) => cosine(s32[i], r32[j]))));
        expect(total).toBeGreaterThanOrEqual(best - 1e-5);
      }), { numRuns: 150 });
    });
  });

  it('returns [] when either side has no non-empty group', async () => {
    await expectNoLeak(() => {
      expect(match([[1, 0], [0, 1]], [[1, 0]], [0, 0], [1])).toEqual([]);
      expect(match([[1, 0], [0, 1]], [[1, 0]], [1, 1], [0])).toEqual([]);
    });
  });

  it('rejects NaN prototypes and mismatched shapes, naming both shapes', async () => {
    await expectNoLeak(() => {
      expect(() => match([[NaN, 0]], [[1, 0]], [1], [1])).toThrow(/tear-ssl\.matchPrototypes: .*'student' \[1,2\].*'reference' \[1,2\].*non-finite/);
      expect(() => match([[1, 0]], [[1, 0, 0]], [1], [1])).toThrow(/'student' \[1,2\] dim 1 must equal 'reference' \[1,3\] dim 1/);
      expect(() => match([[1, 0]], [[1, 0]], [1, 1], [1])).toThrow(/'student' \[1,2\] dim 0 must equal 'studentCounts' \[2\] dim 0/);
    });
  });
});
