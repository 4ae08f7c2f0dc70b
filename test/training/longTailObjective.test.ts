import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { distributionAlignmentInit } from '../../src/state/distributionAlignment';
import { marginalPredictionInit, type MarginalPredictionState } from '../../src/state/marginalPrediction';
import { Random } from '../../src/state/random';
import { disposeState } from '../../src/state/serialize';
import { TearArgumentError } from '../../src/util/checks';
import { resolveTrainerConfig, type TrainerConfigInput } from '../../src/training/config';
import { modelHandle } from '../../src/training/trainableModel';
import { objectiveGradients, semiSupervisedObjective, type ObjectiveInputs } from '../../src/training/trainStep';
import { matrix, matVec, softmax } from '../helpers/float64';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';
import { linearFunctionModel, NUM_CLASSES, SIDE } from './fixtures';

const D = SIDE * SIDE;
const C = NUM_CLASSES;
const B = 4;
const U = 6;
const argmax = (v: number[]): number => v.indexOf(Math.max(...v));
const img = (m: number[][]) => tf.tensor4d(m.flat(), [m.length, SIDE, SIDE, 1]);

const configError = (input: Partial<TrainerConfigInput>): string => {
  try {
    resolveTrainerConfig({ numClasses: 3, totalSteps: 10, ...input } as TrainerConfigInput);
  } catch (e) {
    expect(e).toBeInstanceOf(TearArgumentError);
    return (e as Error).message;
  }
  throw new Error('expected a TearArgumentError');
};

describe('config: DA target, supervised loss, class prior, DebiasPL options', () => {
  it('defaults: target uniform, cross-entropy with τ = 1, no prior, DebiasPL λ 0.4 and m 0.999', () => {
    const c = resolveTrainerConfig({ numClasses: 3, totalSteps: 10, method: 'debiaspl' });
    expect(c.distributionAlignment.target).toBe('uniform');
    expect(c.supervisedLoss).toEqual({ kind: 'cross-entropy', tau: 1 });
    expect(c.classPrior).toBeNull();
    expect((c as unknown as { debiaspl: unknown }).debiaspl).toEqual({ lambda: 0.4, momentum: 0.999 });
    const withPrior = resolveTrainerConfig({ numClasses: 3, totalSteps: 10, classPrior: [0.5, 0.3, 0.2], distributionAlignment: { target: 'labeled' } });
    expect(withPrior.classPrior).toEqual([0.5, 0.3, 0.2]);
    expect(withPrior.distributionAlignment).toEqual({ enabled: true, capacity: 32, target: 'labeled' });
  });

  it('refuses target \'labeled\' or the logit-adjusted loss without classPrior, naming both options', () => {
    expect(configError({ distributionAlignment: { target: 'labeled' } })).toMatch(/option distributionAlignment.target 'labeled' needs option 'classPrior'/);
    expect(configError({ supervisedLoss: { kind: 'logit-adjusted' } })).toMatch(/option supervisedLoss.kind 'logit-adjusted' needs option 'classPrior'/);
    expect(configError({ distributionAlignment: { target: 'labeled' }, supervisedLoss: { kind: 'logit-adjusted' } }))
      .toMatch(/distributionAlignment.target 'labeled' and supervisedLoss.kind 'logit-adjusted' needs option 'classPrior'/);
    // with DA off, the target is never read: no prior needed
    expect(() => resolveTrainerConfig({ numClasses: 3, totalSteps: 10, distributionAlignment: { enabled: false, target: 'labeled' } })).not.toThrow();
  });

  it('refuses a class prior of the wrong length, not summing to 1, with a zero, negative or NaN entry, or not an array', () => {
    expect(configError({ classPrior: [0.5, 0.5] })).toMatch(/option 'classPrior' must be an array of 3 class probabilities, got 2 entries/);
    expect(configError({ classPrior: 'uniform' as never })).toMatch(/option 'classPrior' must be an array of 3 class probabilities, got "uniform"/);
    expect(configError({ classPrior: [0.5, 0.3, 0.3] })).toMatch(/option 'classPrior' must sum to 1, sums to 1.1/);
    expect(configError({ classPrior: [0.5, 0.5, 0] })).toMatch(/option 'classPrior\[2\]' must be a number > 0, got 0/);
    expect(configError({ classPrior: [1.5, -0.5, 0] })).toMatch(/option 'classPrior\[1\]' must be a number > 0, got -0.5/);
    expect(configError({ classPrior: [NaN, 0.5, 0.5] })).toMatch(/option 'classPrior\[0\]' must be a number > 0, got NaN/);
    // within 1e-6 of 1 is accepted (a prior computed in float64 from counts)
    expect(() => resolveTrainerConfig({ numClasses: 3, totalSteps: 10, classPrior: [1 / 3, 1 / 3, 1 / 3] })).not.toThrow();
  });

  it('refuses unknown targets and losses, a negative or NaN τ, and DebiasPL λ < 0 or m ∉ [0, 1)', () => {
    expect(configError({ distributionAlignment: { target: 'balanced' as never } })).toMatch(/option 'distributionAlignment.target' must be one of 'uniform', 'labeled', got 'balanced'/);
    expect(configError({ supervisedLoss: { kind: 'focal' as never } })).toMatch(/option 'supervisedLoss.kind' must be one of 'cross-entropy', 'logit-adjusted', got 'focal'/);
    expect(configError({ supervisedLoss: { tau: -1 } })).toMatch(/option 'supervisedLoss.tau' must be >= 0, got -1/);
    expect(configError({ supervisedLoss: { tau: NaN } })).toMatch(/option 'supervisedLoss.tau' must be a finite number, got NaN/);
    expect(configError({ method: 'debiaspl', debiaspl: { lambda: -0.1 } } as never)).toMatch(/option 'debiaspl.lambda' must be >= 0/);
    expect(configError({ method: 'debiaspl', debiaspl: { momentum: 1 } } as never)).toMatch(/option 'debiaspl.momentum' must be < 1, got 1/);
    expect(configError({ method: 'debiaspl', debiaspl: { momentum: NaN } } as never)).toMatch(/option 'debiaspl.momentum' must be a finite number/);
  });
});

/** Shared float64 setup: a linear student W on fixed batches. */
function setup(seed: number, scale = 3) {
  const rng = new Random(seed);
  const xs = matrix(B, D, rng);
  const ys = [0, 1, 2, 0];
  const xw = matrix(U, D, rng);
  const xsU = matrix(U, D, rng);
  const model = linearFunctionModel(seed);
  const W0 = model.trainableVariables[0].arraySync() as number[][];
  // a sharper student, so that some pseudo labels pass the threshold and others do not
  const scaled = tf.tidy(() => tf.mul(model.trainableVariables[0], scale));
  model.trainableVariables[0].assign(scaled);
  scaled.dispose();
  const W = W0.map((row) => row.map((v) => v * scale));
  return { xs, ys, xw, xsU, model, W };
}

function inputsOf(s: ReturnType<typeof setup>, config: ReturnType<typeof resolveTrainerConfig>, states: Record<string, unknown>): ObjectiveInputs {
  return {
    student: modelHandle(s.model), config,
    weakLabeled: img(s.xs), labels: tf.tensor1d(s.ys, 'int32'),
    weakUnlabeled: img(s.xw), strongUnlabeled: img(s.xsU), states, kmeansSeed: 1,
  };
}

const disposeInputs = (i: ObjectiveInputs): void => { tf.dispose([i.weakLabeled, i.labels, i.weakUnlabeled as tf.Tensor, i.strongUnlabeled as tf.Tensor]); };
const disposeOutputs = (o: ReturnType<typeof semiSupervisedObjective>): void => {
  disposeState(o.states);
  disposeState({ ...o, states: undefined });
};

describe('semiSupervisedObjective with the new components (float64 references)', () => {
  it('DebiasPL: pseudo labels from softmax(z − λ log p̄_old), p̄_new = m·p̄_old + (1−m)·mean q, L_u = mean m_b·CE(ŷ_b, z_strong + λ log p̄_new); gradient too', () => expectNoLeak(() => {
    const s = setup(21);
    const lambda = 0.7;
    const momentum = 0.6;
    const pOld = [0.55, 0.3, 0.15];
    const q = s.xw.map((x) => softmax(matVec(x, s.W)));
    const debiased = q.map((row) => softmax(row.map((v, c) => Math.log(v) - lambda * Math.log(pOld[c]))));
    const maxes = debiased.map((r) => Math.max(...r)).sort((a, b) => a - b);
    const threshold = (maxes[2] + maxes[3]) / 2; // three kept, three dropped
    const config = resolveTrainerConfig({
      numClasses: C, totalSteps: 10, method: 'debiaspl', threshold, lambdaU: 0.9, debiaspl: { lambda, momentum },
    } as TrainerConfigInput);
    const marginal = tf.tensor1d(pOld);
    const inputs = inputsOf(s, config, { debiaspl: { marginal } satisfies MarginalPredictionState });
    const { grads, outputs } = objectiveGradients(inputs);

    const mean = [0, 1, 2].map((c) => q.reduce((acc, r) => acc + r[c], 0) / U);
    const pNew = pOld.map((p, c) => momentum * p + (1 - momentum) * mean[c]);
    const yHat = debiased.map(argmax);
    const mask = debiased.map((r) => (Math.max(...r) >= threshold ? 1 : 0));
    expect(mask.reduce<number>((a, b) => a + b, 0)).toBe(3);
    const grad = Array.from({ length: D }, () => new Array<number>(C).fill(0));
    let sup = 0;
    s.xs.forEach((x, b) => {
      const p = softmax(matVec(x, s.W));
      sup -= Math.log(p[s.ys[b]]) / B;
      for (let i = 0; i < D; i++) for (let c = 0; c < C; c++) grad[i][c] += (x[i] * (p[c] - (c === s.ys[b] ? 1 : 0))) / B;
    });
    let unl = 0;
    s.xsU.forEach((x, b) => {
      const p = softmax(matVec(x, s.W).map((v, c) => v + lambda * Math.log(pNew[c])));
      unl -= (mask[b] * Math.log(p[yHat[b]])) / U;
      for (let i = 0; i < D; i++) for (let c = 0; c < C; c++) grad[i][c] += (0.9 * mask[b] * x[i] * (p[c] - (c === yHat[b] ? 1 : 0))) / U;
    });
    expect(Array.from(outputs.pseudoLabels?.dataSync() ?? [])).toEqual(yHat);
    expect(Array.from(outputs.mask?.dataSync() ?? [])).toEqual(mask);
    expectClose(values((outputs.states.debiaspl as MarginalPredictionState).marginal), pNew, 1e-6);
    expectClose(values(outputs.supervised), [sup], 1e-5);
    expectClose(values(outputs.unlabeled), [unl], 1e-5);
    expectClose(values(outputs.total), [sup + 0.9 * unl], 1e-5);
    // with the old p̄ in the marginal loss instead, the loss differs: the test can tell the orders apart
    let unlOld = 0;
    s.xsU.forEach((x, b) => { unlOld -= (mask[b] * Math.log(softmax(matVec(x, s.W).map((v, c) => v + lambda * Math.log(pOld[c])))[yHat[b]])) / U; });
    expect(Math.abs(unlOld - unl)).toBeGreaterThan(1e-3);
    const [g] = Object.values(grads);
    expectClose(values(g), grad.flat(), 1e-5, 1e-4);
    // the state passed in is read, not changed or disposed
    expect(values(marginal)).toEqual(Array.from(Float32Array.from(pOld)));
    tf.dispose(Object.values(grads));
    disposeOutputs(outputs);
    disposeInputs(inputs);
    marginal.dispose();
    s.model.trainableVariables.forEach((v) => v.dispose());
    s.model.nonTrainableVariables?.forEach((v) => v.dispose());
  }));

  it('DebiasPL with λ = 0 is FixMatch without DA (same pseudo labels, mask and unlabeled loss), and only p̄ is carried', () => expectNoLeak(() => {
    const s = setup(5);
    const common = { numClasses: C, totalSteps: 10, threshold: 0.6 };
    const debias = resolveTrainerConfig({ ...common, method: 'debiaspl', debiaspl: { lambda: 0, momentum: 0.9 } } as TrainerConfigInput);
    const fixmatch = resolveTrainerConfig({ ...common, method: 'fixmatch', distributionAlignment: { enabled: false } });
    const state = marginalPredictionInit(C);
    const a = inputsOf(s, debias, { debiaspl: state });
    const b = inputsOf(s, fixmatch, {});
    const oa = semiSupervisedObjective(a);
    const ob = semiSupervisedObjective(b);
    expect(Object.keys(oa.states)).toEqual(['debiaspl']);
    expect(values(oa.pseudoLabels as tf.Tensor)).toEqual(values(ob.pseudoLabels as tf.Tensor));
    expect(values(oa.mask as tf.Tensor)).toEqual(values(ob.mask as tf.Tensor));
    expectClose(values(oa.unlabeled), values(ob.unlabeled), 1e-6);
    for (const o of [oa, ob]) disposeOutputs(o);
    for (const i of [a, b]) disposeInputs(i);
    disposeState(state);
    s.model.trainableVariables.forEach((v) => v.dispose());
    s.model.nonTrainableVariables?.forEach((v) => v.dispose());
  }));

  it('FixMatch with DA target \'labeled\': q̂ = normalise(q·π / mean q) on the first step (float64); target \'uniform\' is the untargeted DA exactly', () => expectNoLeak(() => {
    const s = setup(9, 2);
    const prior = [0.6, 0.3, 0.1];
    const q = s.xw.map((x) => softmax(matVec(x, s.W)));
    const mean = [0, 1, 2].map((c) => q.reduce((acc, r) => acc + r[c], 0) / U);
    const aligned = q.map((row) => {
      const w = row.map((v, c) => (v * prior[c]) / mean[c]);
      const t = w.reduce((x, y) => x + y, 0);
      return w.map((v) => v / t);
    });
    const maxes = aligned.map((r) => Math.max(...r)).sort((a, b) => a - b);
    const threshold = (maxes[1] + maxes[2]) / 2;
    const common = { numClasses: C, totalSteps: 10, method: 'fixmatch' as const, threshold };
    const labeled = resolveTrainerConfig({ ...common, classPrior: prior, distributionAlignment: { target: 'labeled' } });
    const uniformWithPrior = resolveTrainerConfig({ ...common, classPrior: prior, distributionAlignment: { target: 'uniform' } });
    const plain = resolveTrainerConfig(common);
    const runs = [labeled, uniformWithPrior, plain].map((config) => {
      const state = distributionAlignmentInit(C);
      const inputs = inputsOf(s, config, { distributionAlignment: state });
      const out = semiSupervisedObjective(inputs);
      const r = { unlabeled: values(out.unlabeled)[0], mask: values(out.mask as tf.Tensor), pseudo: values(out.pseudoLabels as tf.Tensor) };
      disposeOutputs(out);
      disposeInputs(inputs);
      disposeState(state);
      return r;
    });
    const yHat = aligned.map(argmax);
    const mask = aligned.map((r) => (Math.max(...r) >= threshold ? 1 : 0));
    let unl = 0;
    s.xsU.forEach((x, b) => { unl -= (mask[b] * Math.log(softmax(matVec(x, s.W))[yHat[b]])) / U; });
    expect(runs[0].pseudo).toEqual(yHat);
    expect(runs[0].mask).toEqual(mask);
    expect(runs[0].unlabeled).toBeCloseTo(unl, 5);
    // 'uniform' ignores the prior: bit-identical to the config without one
    expect(runs[1]).toEqual(runs[2]);
    expect(runs[0]).not.toEqual(runs[2]);
    s.model.trainableVariables.forEach((v) => v.dispose());
    s.model.nonTrainableVariables?.forEach((v) => v.dispose());
  }));

  it('supervised with the logit-adjusted loss: L_s = mean CE(y, z + τ log π) and its gradient (float64); τ = 0 is cross-entropy exactly', () => expectNoLeak(() => {
    const s = setup(13, 1);
    const prior = [0.7, 0.2, 0.1];
    const tau = 1.5;
    const common = { numClasses: C, totalSteps: 10, method: 'supervised' as const };
    const adjusted = resolveTrainerConfig({ ...common, classPrior: prior, supervisedLoss: { kind: 'logit-adjusted', tau } });
    const inputs = inputsOf(s, adjusted, {});
    const { grads, outputs } = objectiveGradients(inputs);
    const grad = Array.from({ length: D }, () => new Array<number>(C).fill(0));
    let sup = 0;
    s.xs.forEach((x, b) => {
      const p = softmax(matVec(x, s.W).map((v, c) => v + tau * Math.log(prior[c])));
      sup -= Math.log(p[s.ys[b]]) / B;
      for (let i = 0; i < D; i++) for (let c = 0; c < C; c++) grad[i][c] += (x[i] * (p[c] - (c === s.ys[b] ? 1 : 0))) / B;
    });
    expectClose(values(outputs.supervised), [sup], 1e-5);
    expectClose(values(outputs.total), [sup], 1e-5);
    expectClose(values(Object.values(grads)[0]), grad.flat(), 1e-5, 1e-4);
    tf.dispose(Object.values(grads));
    disposeOutputs(outputs);
    disposeInputs(inputs);

    const losses = [
      resolveTrainerConfig({ ...common, classPrior: prior, supervisedLoss: { kind: 'logit-adjusted', tau: 0 } }),
      resolveTrainerConfig(common),
    ].map((config) => {
      const i = inputsOf(s, config, {});
      const o = semiSupervisedObjective(i);
      const v = values(o.supervised)[0];
      disposeOutputs(o);
      disposeInputs(i);
      return v;
    });
    expect(losses[0]).toBe(losses[1]);
    expect(Math.abs(losses[0] - sup)).toBeGreaterThan(1e-3);
    s.model.trainableVariables.forEach((v) => v.dispose());
    s.model.nonTrainableVariables?.forEach((v) => v.dispose());
  }));
});
