import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { LabeledBatch, UnlabeledBatch } from '../../src/data/types';
import { Random } from '../../src/state/random';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import type { FunctionModel } from '../../src/training/trainableModel';
import { expectNoLeak } from '../helpers/tensors';
import { NUM_CLASSES, SIDE, trainerOptions } from './fixtures';
import { matrix, matVec, softmax } from '../helpers/float64';

const D = SIDE * SIDE;
const C = NUM_CLASSES;
const B = 4;
const U = 6;


/** logits = flatten(x)·W and features = flatten(x)·V, both trainable: the supervised and unlabeled losses never reach V. */
function twoHeadModel(w: number[][], v: number[][]): FunctionModel {
  const tag = Math.random().toString(36).slice(2);
  const wv = tf.tidy(() => tf.variable(tf.tensor2d(w), true, `wiring_${tag}/logit_kernel`));
  const vv = tf.tidy(() => tf.variable(tf.tensor2d(v), true, `wiring_${tag}/feature_kernel`));
  return {
    apply: (x) => tf.tidy(() => {
      const flat = tf.reshape(x, [x.shape[0], D]) as tf.Tensor2D;
      return { logits: tf.matMul(flat, wv), features: tf.matMul(flat, vv) };
    }),
    trainableVariables: [wv, vv],
  };
}

const dispose = (m: FunctionModel): void => m.trainableVariables.forEach((v) => v.dispose());

/** Endless sources that yield the same batch every step (fresh tensors: the trainer disposes them). */
function constantSources(xl: number[][], yl: number[], xu: number[][]) {
  const img = (m: number[][]) => tf.tensor4d(m.flat(), [m.length, SIDE, SIDE, 1]);
  return {
    labeled: async function* (): AsyncGenerator<LabeledBatch> {
      for (;;) yield { images: img(xl), labels: tf.tensor1d(yl, 'int32') };
    },
    unlabeled: async function* (): AsyncGenerator<UnlabeledBatch> {
      for (;;) yield { images: img(xu), indices: tf.tensor1d(xu.map((_, i) => i), 'int32') };
    },
  };
}

describe('objective wiring at the trainer level', () => {
  it('AdaPL reads p̃ from the reference (EMA) model, not from the student: the unlabeled loss matches float64 with the EMA weights and not with the student\'s', () => expectNoLeak(async () => {
    const rng = new Random(3);
    const xl = matrix(B, D, rng);
    const yl = [0, 1, 2, 0];
    const xu = matrix(U, D, rng);
    const w0 = matrix(D, C, rng, 2);
    const studentModel = twoHeadModel(w0, matrix(D, 4, rng));
    const teachers: FunctionModel[] = [];
    const sources = constantSources(xl, yl, xu);
    const trainer = await SemiSupervisedTrainer.create({
      model: studentModel,
      createTeacher: () => { const t = twoHeadModel(w0, matrix(D, 4, rng)); teachers.push(t); return t; },
      labeled: sources.labeled(), unlabeled: sources.unlabeled(), strongAugment: (x) => x.clone(),
      config: {
        method: 'adapl', numClasses: C, totalSteps: 10, learningRate: 0.5, lambdaU: 1, clipGradients: null,
        optimizer: { type: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 },
        distributionAlignment: { enabled: false }, ema: { momentum: 0.5 },
        adapl: { mask: 'none', wMin: 0, gamma: 2, distance: 'kl', entropy: true, spread: 'uniform' },
      },
    });
    await trainer.trainStep(); // now the EMA (½θ0 + ½θ1) differs from the student θ1
    const student = studentModel.trainableVariables[0].arraySync() as number[][];
    const ema = (trainer.emaModel as FunctionModel).trainableVariables[0].arraySync() as number[][];
    const logs = await trainer.trainStep();

    const unlabeledLoss = (reference: number[][]): number => {
      let total = 0;
      xu.forEach((x) => {
        const q = softmax(matVec(x, student));
        const pRef = softmax(matVec(x, reference));
        const yHat = q.indexOf(Math.max(...q));
        const estimate = -pRef.reduce((s, p, c) => s + p * Math.log(q[c]), 0);
        const weight = 1 - Math.tanh(estimate); // 1 − (1 − w_min)·tanh(γ L̂ / 2) with γ = 2, w_min = 0
        const target = q.map((_, c) => (c === yHat ? weight : (1 - weight) / (C - 1)));
        total -= target.reduce((s, t, c) => s + t * Math.log(q[c]), 0); // strong view = weak view
      });
      return total / U;
    };
    const withEma = unlabeledLoss(ema);
    const withStudent = unlabeledLoss(student);
    expect(Math.abs(withEma - withStudent), 'the test needs EMA and student to disagree').toBeGreaterThan(1e-3);
    expect(logs.unlabeled).toBeCloseTo(withEma, 5);
    trainer.dispose();
    dispose(studentModel);
    expect(teachers.length).toBe(1);
  }));

  it('the IPH term alone moves the student\'s feature weights (nonzero gradient through f), and only when λiph > 0', () => expectNoLeak(async () => {
    const rng = new Random(8);
    const xl = matrix(B, D, rng);
    const yl = [0, 1, 2, 1];
    const xu = matrix(12, D, rng);
    const w0 = matrix(D, C, rng, 2);
    const v0 = matrix(D, 4, rng, 2);
    const featureStep = async (lambdaIph: number): Promise<number> => {
      const model = twoHeadModel(w0, v0);
      const sources = constantSources(xl, yl, xu);
      const trainer = await SemiSupervisedTrainer.create({
        model, createTeacher: () => twoHeadModel(w0, v0),
        labeled: sources.labeled(), unlabeled: sources.unlabeled(), strongAugment: (x) => x.clone(),
        config: {
          method: 'iph', numClasses: C, totalSteps: 10, learningRate: 0.5, lambdaU: 1, lambdaIph, clipGradients: null, threshold: 0,
          optimizer: { type: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 }, iph: { numClusters: 2 },
        },
      });
      const before = model.trainableVariables[1].dataSync().slice();
      const logs = await trainer.trainStep();
      expect(logs.iph).toBeGreaterThan(1e-4);
      const moved = (model.trainableVariables[1].dataSync() as Float32Array).reduce((m, x, i) => Math.max(m, Math.abs(x - before[i])), 0);
      trainer.dispose();
      dispose(model);
      return moved;
    };
    expect(await featureStep(0)).toBe(0); // L_s and L_u never reach V
    expect(await featureStep(1)).toBeGreaterThan(1e-4);
  }));

  it('FreeMatch + TEAR adds every term once: loss = L_s + λu·L_u + λiph·L_IPH + w_f·L_f, and each part is switched by its weight', () => expectNoLeak(async () => {
    const stepOf = async (overrides: Record<string, unknown>) => {
      const options = trainerOptions({ config: { method: 'freematch+tear', lambdaU: 0.7, lambdaIph: 0.5, ...overrides } });
      const trainer = await SemiSupervisedTrainer.create(options);
      const logs = await trainer.trainStep();
      trainer.dispose();
      (options.model as tf.LayersModel).dispose();
      return logs;
    };
    const all = await stepOf({ freematch: { fairnessWeight: 0.2 } });
    expect(all.fairness).toBeLessThan(0);
    expect(all.iph).toBeGreaterThan(0);
    expect(all.loss).toBeCloseTo(all.supervised + 0.7 * all.unlabeled + 0.5 * all.iph + 0.2 * (all.fairness as number), 5);
    const noFairness = await stepOf({ freematch: { fairnessWeight: 0 } });
    expect(noFairness.loss).toBeCloseTo(all.loss - 0.2 * (all.fairness as number), 5);
    expect(noFairness.unlabeled).toBeCloseTo(all.unlabeled, 6);
  }));
});
