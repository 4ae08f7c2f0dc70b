import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { resolveTrainerConfig } from '../../src/training/config';
import { modelHandle } from '../../src/training/trainableModel';
import { objectiveGradients } from '../../src/training/trainStep';
import { distributionAlignmentInit } from '../../src/state/distributionAlignment';
import { disposeState } from '../../src/state/serialize';
import { Random } from '../../src/state/random';
import { expectClose, expectNoLeak } from '../helpers/tensors';
import { linearFunctionModel, NUM_CLASSES, SIDE } from './fixtures';
import { matrix, matVec, softmax } from '../helpers/float64';

const D = SIDE * SIDE;
const C = NUM_CLASSES;

const argmax = (v: number[]): number => v.indexOf(Math.max(...v));

describe('objectiveGradients', () => {
  it('AdaPL targets, weights, estimates and DA are constants for the gradient: only strong(u) and weak(x) logits carry it (float64 reference)', () => expectNoLeak(() => {
    const rng = new Random(42);
    const B = 3;
    const U = 5;
    const xs = matrix(B, D, rng);
    const ys = [0, 2, 1];
    const xw = matrix(U, D, rng);
    const xsU = matrix(U, D, rng);
    const ref = matrix(U, C, rng).map((r) => softmax(r.map((v) => 4 * v)));
    const model = linearFunctionModel(5);
    const w = model.trainableVariables[0];
    const W = (w.arraySync() as number[][]);
    const config = resolveTrainerConfig({
      numClasses: C, totalSteps: 10, method: 'adapl', lambdaU: 0.8,
      adapl: { mask: 'none', wMin: 0.5, gamma: 1, distance: 'kl', entropy: true },
    });
    const img = (m: number[][]) => tf.tensor4d(m.flat(), [m.length, SIDE, SIDE, 1]);
    const inputs = {
      student: modelHandle(model), config,
      weakLabeled: img(xs), labels: tf.tensor1d(ys, 'int32'),
      weakUnlabeled: img(xw), strongUnlabeled: img(xsU),
      reference: { probs: tf.tensor2d(ref), features: tf.zeros([U, 4]) as tf.Tensor2D },
      states: { distributionAlignment: distributionAlignmentInit(C) },
      kmeansSeed: 1,
    };
    const { grads, outputs } = objectiveGradients(inputs);

    // float64 reference with every target a constant
    const grad = Array.from({ length: D }, () => new Array<number>(C).fill(0));
    let sup = 0;
    xs.forEach((x, b) => {
      const p = softmax(matVec(x, W));
      sup -= Math.log(p[ys[b]]) / B;
      for (let i = 0; i < D; i++) for (let c = 0; c < C; c++) grad[i][c] += (x[i] * (p[c] - (c === ys[b] ? 1 : 0))) / B;
    });
    const q = xw.map((x) => softmax(matVec(x, W)));
    const meanQ = Array.from({ length: C }, (_, c) => q.reduce((s, r) => s + r[c], 0) / U);
    let unl = 0;
    xsU.forEach((x, b) => {
      const scaled = q[b].map((v, c) => v / meanQ[c]);
      const aligned = scaled.map((v) => v / scaled.reduce((s, t) => s + t, 0));
      const yHat = argmax(aligned);
      const estimate = -ref[b].reduce((s, pr, c) => s + pr * Math.log(q[b][c]), 0);
      const weight = 1 - 0.5 * (2 / (1 + Math.exp(-estimate)) - 1);
      const target = Array.from({ length: C }, (_, c) => (c === yHat ? weight : (1 - weight) / (C - 1)));
      const p = softmax(matVec(x, W));
      unl -= target.reduce((s, t, c) => s + t * Math.log(p[c]), 0) / U;
      for (let i = 0; i < D; i++) for (let c = 0; c < C; c++) grad[i][c] += (0.8 * x[i] * (p[c] - target[c])) / U;
    });
    expect(outputs.supervised.dataSync()[0]).toBeCloseTo(sup, 5);
    expect(outputs.unlabeled.dataSync()[0]).toBeCloseTo(unl, 5);
    expect(outputs.total.dataSync()[0]).toBeCloseTo(sup + 0.8 * unl, 5);
    expect(Object.keys(grads)).toEqual([w.name]);
    expectClose(grads[w.name].dataSync(), grad.flat(), 1e-5, 1e-4);

    tf.dispose([...Object.values(grads), inputs.weakLabeled, inputs.labels, inputs.weakUnlabeled, inputs.strongUnlabeled,
      inputs.reference.probs, inputs.reference.features]);
    disposeState([outputs, inputs.states]);
    [...model.trainableVariables, ...(model.nonTrainableVariables ?? [])].forEach((v) => v.dispose());
  }));
});
