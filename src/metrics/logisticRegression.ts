import type { NumberArray } from './labelChecks';

/** A fitted L2-penalised logistic regression on standardised features (see {@link fitLogisticRegression}). */
export interface LogisticModel {
  /** Weights of the standardised features, [K]. */
  weights: number[];
  bias: number;
  /** Feature means and standard deviations used to standardise, [K] each (a constant feature has scale 1). */
  mean: number[];
  scale: number[];
  /** Newton iterations run. */
  iterations: number;
}

/** Options of {@link fitLogisticRegression}. */
export interface LogisticRegressionOptions {
  /** Ridge penalty λ on the standardised weights (not the bias): the objective adds λ/2·‖w‖². Default 1e-2. */
  l2?: number;
  /** Most Newton iterations (default 50). */
  maxIterations?: number;
  /** Stop when the largest Newton step is below this (default 1e-10). */
  tolerance?: number;
}

/**
 * Fits P(t = 1 | x) = σ(b + w·z), z = (x − mean) / scale, by minimising the penalised negative log-likelihood
 *   Σᵢ [log(1 + e^{ηᵢ}) − tᵢ ηᵢ] + λ/2·‖w‖²,   ηᵢ = b + w·zᵢ,
 * with Newton's method in float64 (the objective is strictly convex for λ > 0, so the optimum is unique;
 * separable data stay finite because of the penalty). features: N rows of K numbers; targets: N values in
 * {0, 1} (or booleans). Used for a loss-estimate combination calibrated on the validation split
 * (docs/method.md); reference: any statistics text on logistic regression (IRLS).
 */
export function fitLogisticRegression(
  features: readonly NumberArray[], targets: ArrayLike<number | boolean>, options: LogisticRegressionOptions = {},
): LogisticModel {
  const fn = 'fitLogisticRegression';
  const n = features.length;
  if (targets.length !== n) throw new Error(`${fn}: features has ${n} rows but targets has ${targets.length} values`);
  if (n === 0) throw new Error(`${fn}: needs at least one row`);
  const k = features[0].length;
  const l2 = options.l2 ?? 1e-2;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-10;
  if (!(l2 >= 0)) throw new Error(`${fn}: l2 must be ≥ 0, got ${l2}`);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(targets[i]);
    if (v !== 0 && v !== 1) throw new Error(`${fn}: targets[${i}] must be 0 or 1, got ${String(targets[i])}`);
    t[i] = v;
    if (features[i].length !== k) throw new Error(`${fn}: features row ${i} has ${features[i].length} values, row 0 has ${k}`);
    for (let j = 0; j < k; j++) {
      if (!Number.isFinite(features[i][j])) throw new Error(`${fn}: features[${i}][${j}] is ${features[i][j]}, not finite`);
    }
  }
  const mean = new Array<number>(k).fill(0);
  const scale = new Array<number>(k).fill(0);
  for (const row of features) for (let j = 0; j < k; j++) mean[j] += row[j] / n;
  for (const row of features) for (let j = 0; j < k; j++) scale[j] += (row[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < k; j++) scale[j] = scale[j] > 0 ? Math.sqrt(scale[j]) : 1;
  // z with a leading 1 for the bias: N × (K + 1)
  const z = features.map((row) => [1, ...Array.from({ length: k }, (_, j) => (row[j] - mean[j]) / scale[j])]);
  const d = k + 1;
  const beta = new Array<number>(d).fill(0);
  const objective = (b: readonly number[]): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let eta = 0;
      for (let a = 0; a < d; a++) eta += b[a] * z[i][a];
      // log(1 + e^η) computed without overflow
      sum += (eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta))) - t[i] * eta;
    }
    for (let a = 1; a < d; a++) sum += (l2 / 2) * b[a] * b[a];
    return sum;
  };
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < n; i++) {
      let eta = 0;
      for (let a = 0; a < d; a++) eta += beta[a] * z[i][a];
      const p = sigmoid(eta);
      const w = p * (1 - p);
      for (let a = 0; a < d; a++) {
        grad[a] += (p - t[i]) * z[i][a];
        for (let b = a; b < d; b++) hess[a][b] += w * z[i][a] * z[i][b];
      }
    }
    for (let a = 1; a < d; a++) {
      grad[a] += l2 * beta[a];
      hess[a][a] += l2;
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) hess[a][b] = hess[b][a];
    // a tiny ridge on the bias keeps the system solvable when every target is equal
    hess[0][0] += 1e-12 * n;
    const step = solveSymmetric(hess, grad);
    // damped Newton: halve the step until the objective does not increase
    const before = objective(beta);
    let factor = 1;
    let trial = beta.map((v, a) => v - step[a]);
    while (objective(trial) > before && factor > 1e-6) {
      factor /= 2;
      trial = beta.map((v, a) => v - factor * step[a]);
    }
    let largest = 0;
    for (let a = 0; a < d; a++) {
      largest = Math.max(largest, Math.abs(trial[a] - beta[a]));
      beta[a] = trial[a];
    }
    if (largest < tolerance) {
      iterations++;
      break;
    }
  }
  return { weights: beta.slice(1), bias: beta[0], mean, scale, iterations };
}

/** The linear scores ηᵢ = b + w·(xᵢ − mean)/scale of a fitted model (monotone in the predicted probability σ(η)). */
export function logisticScores(model: LogisticModel, features: readonly NumberArray[]): Float64Array {
  const k = model.weights.length;
  return Float64Array.from(features, (row, i) => {
    if (row.length !== k) throw new Error(`logisticScores: features row ${i} has ${row.length} values, the model has ${k} weights`);
    let eta = model.bias;
    for (let j = 0; j < k; j++) eta += model.weights[j] * (row[j] - model.mean[j]) / model.scale[j];
    return eta;
  });
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Solves A x = b for a symmetric positive-definite A by Cholesky decomposition (A is not modified). */
function solveSymmetric(a: number[][], b: number[]): number[] {
  const d = b.length;
  const l = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let m = 0; m < j; m++) s -= l[i][m] * l[j][m];
      if (i === j) {
        if (!(s > 0)) throw new Error('fitLogisticRegression: the Newton system is not positive definite (use l2 > 0)');
        l[i][i] = Math.sqrt(s);
      } else {
        l[i][j] = s / l[j][j];
      }
    }
  }
  const y = new Array<number>(d).fill(0);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let m = 0; m < i; m++) s -= l[i][m] * y[m];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(d).fill(0);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let m = i + 1; m < d; m++) s -= l[m][i] * x[m];
    x[i] = s / l[i][i];
  }
  return x;
}
