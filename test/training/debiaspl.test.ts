import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabeledBatch, UnlabeledBatch } from '../../src/data/types';
import { marginalPredictionFromJSON, type MarginalPredictionJSON } from '../../src/state/marginalPrediction';
import { Random } from '../../src/state/random';
import { disposeState } from '../../src/state/serialize';
import { readCheckpoint, writeCheckpoint } from '../../src/training/checkpoint';
import type { TrainerConfigInput } from '../../src/training/config';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import type { FunctionModel } from '../../src/training/trainableModel';
import { matrix, matVec, softmax } from '../helpers/float64';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';
import { NUM_CLASSES, SIDE, tinyModel, trainerOptions, variableValues } from './fixtures';

const D = SIDE * SIDE;
const C = NUM_CLASSES;

let dir: string;
beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tear-debiaspl-')); });
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

/** logits = flatten(x)·W (trainable), features = flatten(x)·V (fixed). */
function linearModel(w: number[][], v: number[][]): FunctionModel {
  const tag = Math.random().toString(36).slice(2);
  const wv = tf.tidy(() => tf.variable(tf.tensor2d(w), true, `debiaspl_${tag}/kernel`));
  const vv = tf.tidy(() => tf.variable(tf.tensor2d(v), false, `debiaspl_${tag}/projection`));
  return {
    apply: (x) => tf.tidy(() => {
      const flat = tf.reshape(x, [x.shape[0], D]) as tf.Tensor2D;
      return { logits: tf.matMul(flat, wv), features: tf.matMul(flat, vv) };
    }),
    trainableVariables: [wv],
    nonTrainableVariables: [vv],
  };
}
const disposeModel = (m: FunctionModel): void => [...m.trainableVariables, ...(m.nonTrainableVariables ?? [])].forEach((v) => v.dispose());

/** Endless sources yielding the same batch every step (fresh tensors: the trainer disposes them). */
function constantSources(xl: number[][], yl: number[], xu: number[][]) {
  const img = (m: number[][]) => tf.tensor4d(m.flat(), [m.length, SIDE, SIDE, 1]);
  return {
    labeled: async function* (): AsyncGenerator<LabeledBatch> { for (;;) yield { images: img(xl), labels: tf.tensor1d(yl, 'int32') }; },
    unlabeled: async function* (): AsyncGenerator<UnlabeledBatch> { for (;;) yield { images: img(xu), indices: tf.tensor1d(xu.map((_, i) => i), 'int32') }; },
  };
}

const readMarginal = async (file: string): Promise<number[]> => {
  const payload = (await readCheckpoint(file)) as { states: Record<string, unknown> };
  expect(Object.keys(payload.states)).toEqual(['debiaspl']);
  const state = marginalPredictionFromJSON(payload.states.debiaspl as MarginalPredictionJSON, C);
  const v = values(state.marginal);
  disposeState(state);
  return v;
};

describe('DebiasPL in the trainer', () => {
  it('p̄ and the unlabeled loss follow the formulas over two steps (float64 from the logged weights): debias with p̄_{k−1}, loss with p̄_k', () => expectNoLeak(async () => {
    const rng = new Random(17);
    const xl = matrix(4, D, rng);
    const yl = [0, 1, 2, 1];
    const xu = matrix(8, D, rng);
    const w0 = matrix(D, C, rng, 3);
    const v0 = matrix(D, 4, rng);
    const lambda = 0.8;
    const momentum = 0.5;
    const threshold = 0.45;
    const model = linearModel(w0, v0);
    const sources = constantSources(xl, yl, xu);
    const trainer = await SemiSupervisedTrainer.create({
      model, createTeacher: () => linearModel(w0, v0),
      labeled: sources.labeled(), unlabeled: sources.unlabeled(), strongAugment: (x) => x.clone(),
      config: {
        method: 'debiaspl', numClasses: C, totalSteps: 10, learningRate: 0.5, lambdaU: 1, clipGradients: null, threshold,
        optimizer: { type: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 }, debiaspl: { lambda, momentum },
      } as TrainerConfigInput,
    });
    /** Expected unlabeled loss and next p̄ of one step from the weights W before it and p̄ before it. */
    const expected = (w: number[][], pBefore: number[]) => {
      const q = xu.map((x) => softmax(matVec(x, w)));
      const debiased = q.map((row) => softmax(row.map((v, c) => Math.log(v) - lambda * Math.log(pBefore[c]))));
      const mean = [0, 1, 2].map((c) => q.reduce((s, r) => s + r[c], 0) / xu.length);
      const pAfter = pBefore.map((p, c) => momentum * p + (1 - momentum) * mean[c]);
      let loss = 0;
      let kept = 0;
      xu.forEach((x, b) => {
        const conf = Math.max(...debiased[b]);
        if (conf < threshold) return;
        kept++;
        const yHat = debiased[b].indexOf(conf);
        loss -= Math.log(softmax(matVec(x, w).map((v, c) => v + lambda * Math.log(pAfter[c])))[yHat]) / xu.length;
      });
      return { loss, pAfter, maskRate: kept / xu.length };
    };
    const uniform = [1 / 3, 1 / 3, 1 / 3];
    const first = expected(w0, uniform);
    const one = await trainer.trainStep();
    expect(first.maskRate).toBeGreaterThan(0);
    expect(one.maskRate).toBeCloseTo(first.maskRate, 6);
    expect(one.unlabeled).toBeCloseTo(first.loss, 5);
    const file1 = path.join(dir, 'formula-1.ckpt');
    await trainer.save(file1);
    // p̄₁ = m/C + (1 − m)·mean q
    expectClose(await readMarginal(file1), first.pAfter, 1e-6);
    expect(first.pAfter.some((p) => Math.abs(p - 1 / 3) > 1e-3)).toBe(true);

    const w1 = model.trainableVariables[0].arraySync() as number[][];
    const second = expected(w1, first.pAfter);
    const two = await trainer.trainStep();
    expect(two.unlabeled).toBeCloseTo(second.loss, 5);
    expect(two.maskRate).toBeCloseTo(second.maskRate, 6);
    const file2 = path.join(dir, 'formula-2.ckpt');
    await trainer.save(file2);
    expectClose(await readMarginal(file2), second.pAfter, 1e-6);
    trainer.dispose();
    disposeModel(model);
  }));

  it('debiaspl and debiaspl+tear train on the synthetic data without leaking tensors, logging the per-class pseudo-label counts', () => expectNoLeak(async () => {
    for (const method of ['debiaspl', 'debiaspl+tear']) {
      const options = trainerOptions({ config: { method, debiaspl: { lambda: 0.5, momentum: 0.9 } } as Partial<TrainerConfigInput> }, true);
      const trainer = await SemiSupervisedTrainer.create(options);
      await trainer.trainStep(); // first step: warm-up allocations (optimizer slots) happen here
      const before = tf.memory().numTensors;
      const logs = await trainer.run(4);
      expect(tf.memory().numTensors, `${method}: tensors per step`).toBe(before);
      expect(logs).toHaveLength(3);
      for (const l of logs) {
        expect(Number.isFinite(l.loss)).toBe(true);
        const count = (kind: string) => [0, 1, 2].map((c) => l[`pl.${kind}.${c}`] as number);
        expect(count('actual').reduce((a, b) => a + b, 0)).toBe(8); // U = 8 hidden labels
        expect(count('kept').reduce((a, b) => a + b, 0)).toBe(Math.round(l.maskRate * 8));
        expect(count('predicted').reduce((a, b) => a + b, 0)).toBe(Math.round(l.maskRate * 8));
      }
      if (method === 'debiaspl+tear') expect(logs[0].iph).toBeGreaterThan(0);
      trainer.dispose();
      (options.model as tf.LayersModel).dispose();
    }
  }));
});

const weightsOf = (m: tf.LayersModel): tf.Variable[] => m.weights.map((w) => w.read() as tf.Variable);

/** N steps straight vs k steps + save + resume (fresh model, other init) + N − k steps; as test/training/resume.test.ts. */
async function checkResume(config: Partial<TrainerConfigInput>, n: number, k: number, file: string): Promise<void> {
  const straightOptions = trainerOptions({ config });
  const straight = await SemiSupervisedTrainer.create(straightOptions);
  const straightLogs = await straight.run(n);
  const straightWeights = await variableValues(weightsOf(straightOptions.model as tf.LayersModel));
  const straightEma = await variableValues(weightsOf(straight.emaModel as tf.LayersModel));
  const straightFile = `${file}.straight`;
  await straight.save(straightFile);

  const firstOptions = trainerOptions({ config });
  const first = await SemiSupervisedTrainer.create(firstOptions);
  await first.run(k);
  await first.save(file);
  first.dispose();
  (firstOptions.model as tf.LayersModel).dispose();

  const secondModel = tinyModel(99);
  const { config: _unused, ...setup } = trainerOptions({ model: secondModel });
  const second = await SemiSupervisedTrainer.resume(file, setup);
  expect(second.step).toBe(k);
  const resumedLogs = await second.run(n);
  expect(resumedLogs.length).toBe(n - k);
  resumedLogs.forEach((logs, i) => {
    for (const key of ['loss', 'supervised', 'unlabeled', 'iph', 'maskRate', 'lr'] as const) {
      expect(logs[key], `step ${k + i} ${key}`).toBe(straightLogs[k + i][key]); // bit-identical on the same backend
    }
  });
  (await variableValues(weightsOf(secondModel))).forEach((w, i) => expectClose(w, straightWeights[i], 0, 0));
  (await variableValues(weightsOf(second.emaModel as tf.LayersModel))).forEach((w, i) => expectClose(w, straightEma[i], 0, 0));
  const resumedFile = `${file}.resumed`;
  await second.save(resumedFile);
  expect(await readMarginal(resumedFile)).toEqual(await readMarginal(straightFile));
  second.dispose();
  secondModel.dispose();
  straight.dispose();
  (straightOptions.model as tf.LayersModel).dispose();
}

describe('DebiasPL save and resume', () => {
  it('debiaspl: k steps + checkpoint + resume = N straight steps (weights, EMA, p̄ bit-identical)', () => expectNoLeak(() =>
    checkResume({ method: 'debiaspl', debiaspl: { lambda: 0.6, momentum: 0.7 } } as Partial<TrainerConfigInput>, 5, 2, path.join(dir, 'debiaspl.ckpt'))));

  it('debiaspl+tear resumes exactly', () => expectNoLeak(() =>
    checkResume({ method: 'debiaspl+tear', debiaspl: { lambda: 0.4, momentum: 0.8 } } as Partial<TrainerConfigInput>, 5, 3, path.join(dir, 'debiaspl-tear.ckpt'))));

  it('a checkpoint without the marginal estimate is refused, naming the field', () => expectNoLeak(async () => {
    const options = trainerOptions({ config: { method: 'debiaspl' } });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.trainStep();
    const file = path.join(dir, 'no-marginal.ckpt');
    await trainer.save(file);
    const payload = (await readCheckpoint(file)) as { states: Record<string, unknown> };
    await writeCheckpoint(file, { ...payload, states: {} });
    await expect(trainer.load(file)).rejects.toThrow(/field 'states\.debiaspl'.*missing the DebiasPL marginal estimate/);
    await writeCheckpoint(file, { ...payload, states: { debiaspl: { marginal: { dtype: 'float32', shape: [2], values: [0.5, 0.5] } } } });
    await expect(trainer.load(file)).rejects.toThrow(/states\.debiaspl.*field 'marginal' must be float32 \[3\], got \[2\]/);
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  }));
});
