import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crossFittedLogisticScores } from '../../src/metrics/crossFittedScores';
import { fitLogisticRegression, logisticScores } from '../../src/metrics/logisticRegression';

interface Case { name: string; l2: number; features: number[][]; targets: number[]; bias: number; weights: number[]; mean: number[]; scale: number[] }
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/logistic_regression/logistic_regression.json'), 'utf8')) as { cases: Case[] };

/** Gradient of the penalised objective at (bias, weights), written out independently of the fit. */
function gradient(c: Case, bias: number, weights: number[]): number[] {
  const g = [0, ...weights.map((w) => c.l2 * w)];
  c.features.forEach((row, i) => {
    const z = row.map((x, j) => (x - c.mean[j]) / c.scale[j]);
    const eta = bias + z.reduce((s, v, j) => s + v * weights[j], 0);
    const r = 1 / (1 + Math.exp(-eta)) - c.targets[i];
    g[0] += r;
    z.forEach((v, j) => { g[j + 1] += r * v; });
  });
  return g;
}

describe('fitLogisticRegression', () => {
  for (const c of fixture.cases) {
    it(`matches PyTorch L-BFGS in float64 (${c.name}) and zeroes the gradient`, () => {
      const model = fitLogisticRegression(c.features, c.targets, { l2: c.l2 });
      model.mean.forEach((m, j) => expect(m).toBeCloseTo(c.mean[j], 12));
      model.scale.forEach((s, j) => expect(s).toBeCloseTo(c.scale[j], 12));
      for (const g of gradient(c, model.bias, model.weights)) expect(Math.abs(g)).toBeLessThan(1e-8);
      // relative 1e-7: L-BFGS stops a little short of Newton's optimum where the weights are large (separable data)
      const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(b));
      expect(close(model.bias, c.bias), `bias ${model.bias} vs ${c.bias}`).toBe(true);
      model.weights.forEach((w, j) => expect(close(w, c.weights[j]), `weight ${j}: ${w} vs ${c.weights[j]}`).toBe(true));
      expect(model.iterations).toBeLessThan(50);
    });
  }

  it('scores are b + w·(x − mean)/scale', () => {
    const model = { weights: [2, -1], bias: 0.5, mean: [1, 0], scale: [2, 4], iterations: 0 };
    expect(Array.from(logisticScores(model, [[3, 8], [1, 0]]))).toEqual([0.5 + 2 * 1 - 1 * 2, 0.5]);
    expect(() => logisticScores(model, [[1]])).toThrow('features row 0 has 1 values, the model has 2 weights');
  });

  it('gives a constant feature scale 1 and weight 0, and the log-odds of the targets as bias', () => {
    const model = fitLogisticRegression([[3], [3], [3], [3]], [1, 0, 0, 0]);
    expect(model.scale).toEqual([1]);
    expect(model.weights[0]).toBeCloseTo(0, 12);
    expect(model.bias).toBeCloseTo(Math.log(1 / 3), 8);
  });

  it('names the row, column or value at fault', () => {
    expect(() => fitLogisticRegression([[1], [2]], [1])).toThrow('features has 2 rows but targets has 1 values');
    expect(() => fitLogisticRegression([[1], [2, 3]], [1, 0])).toThrow('features row 1 has 2 values, row 0 has 1');
    expect(() => fitLogisticRegression([[1], [NaN]], [1, 0])).toThrow('features[1][0] is NaN, not finite');
    expect(() => fitLogisticRegression([[1], [2]], [1, 2])).toThrow('targets[1] must be 0 or 1, got 2');
    expect(() => fitLogisticRegression([], [])).toThrow('needs at least one row');
  });

  it('stays finite and ranks perfectly on separable data of any size (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 4, maxLength: 30 }), (xs) => {
      const sorted = [...new Set(xs.map((x) => x / 100))].sort((a, b) => a - b);
      fc.pre(sorted.length >= 4);
      const cut = sorted[Math.floor(sorted.length / 2)];
      const targets = sorted.map((x) => (x >= cut ? 1 : 0));
      const model = fitLogisticRegression(sorted.map((x) => [x]), targets);
      expect(Number.isFinite(model.weights[0]) && model.weights[0] > 0).toBe(true);
      const scores = logisticScores(model, sorted.map((x) => [x]));
      for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThan(scores[i - 1]);
    }), { numRuns: 50 });
  });
});

describe('crossFittedLogisticScores', () => {
  const c = fixture.cases[0];

  it("never lets a row's own target reach its score (flipping it leaves the score unchanged)", () => {
    const base = crossFittedLogisticScores(c.features, c.targets, 3);
    for (const i of [0, 7, 31]) {
      const flipped = c.targets.map((t, j) => (j === i ? 1 - t : t));
      const scores = crossFittedLogisticScores(c.features, flipped, 3);
      expect(scores[i]).toBe(base[i]);
      // …while the other folds' models did see it
      expect(scores.some((s, j) => j % 3 !== i % 3 && s !== base[j])).toBe(true);
    }
  });

  it('scores fold f with the model fitted on the other rows', () => {
    const scores = crossFittedLogisticScores(c.features, c.targets, 2);
    const odd = c.features.map((_, i) => i).filter((i) => i % 2 === 1);
    const model = fitLogisticRegression(odd.map((i) => c.features[i]), odd.map((i) => c.targets[i]));
    const expected = logisticScores(model, [c.features[0], c.features[2]]);
    expect([scores[0], scores[2]]).toEqual(Array.from(expected));
  });

  it('rejects fewer than two folds or fewer rows than folds', () => {
    expect(() => crossFittedLogisticScores(c.features, c.targets, 1)).toThrow('folds must be an integer ≥ 2, got 1');
    expect(() => crossFittedLogisticScores([[1]], [1], 2)).toThrow('1 rows cannot fill 2 folds');
  });
});
