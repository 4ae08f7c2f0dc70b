import type { Random } from '../../src/state/random';

/** A rows×cols matrix of scale·(u − ½), u uniform from `rng`: float64 reference inputs. */
export function matrix(rows: number, cols: number, rng: Random, scale = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * (rng.next() - 0.5)));
}

/** Numerically stable softmax of one row, in float64. */
export const softmax = (z: number[]): number[] => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/** x·W for a row vector x [D] and W [D,C], in float64. */
export const matVec = (x: number[], w: number[][]): number[] => Array.from({ length: w[0].length }, (_, c) => x.reduce((s, xi, i) => s + xi * w[i][c], 0));
