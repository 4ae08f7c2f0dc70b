import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marginalPredictionFromJSON, type MarginalPredictionJSON } from '../../src/state/marginalPrediction';
import { Random } from '../../src/state/random';
import { disposeState } from '../../src/state/serialize';
import { readCheckpoint, writeCheckpoint } from '../../src/training/checkpoint';
import type { TrainerConfigInput } from '../../src/training/config';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { matrix, matVec, softmax } from '../helpers/float64';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';
import { checkResume, type ResumeCheckOptions } from './exactResume';
import { constantBatchSources, disposeFunctionModel, fixedLinearModel, NUM_CLASSES, SIDE, trainerOptions } from './fixtures';

const D = SIDE * SIDE;
const C = NUM_CLASSES;

let dir: string;
beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tear-debiaspl-')); });
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

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
    const model = fixedLinearModel(w0, v0, 'debiaspl');
    const sources = constantBatchSources(xl, yl, xu);
    const trainer = await SemiSupervisedTrainer.create({
      model, createTeacher: () => fixedLinearModel(w0, v0, 'debiaspl'),
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
    disposeFunctionModel(model);
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

/** After N steps, the resumed p̄ equals the straight run's (and the checkpoint holds only it). */
const sameMarginal: ResumeCheckOptions = {
  compareStates: async (resumedFile, straightFile) => expect(await readMarginal(resumedFile)).toEqual(await readMarginal(straightFile)),
};

describe('DebiasPL save and resume', () => {
  it('debiaspl: k steps + checkpoint + resume = N straight steps (weights, EMA, p̄ bit-identical)', () => expectNoLeak(() =>
    checkResume({ method: 'debiaspl', debiaspl: { lambda: 0.6, momentum: 0.7 } } as Partial<TrainerConfigInput>, 5, 2, path.join(dir, 'debiaspl.ckpt'), sameMarginal)));

  it('debiaspl+tear resumes exactly', () => expectNoLeak(() =>
    checkResume({ method: 'debiaspl+tear', debiaspl: { lambda: 0.4, momentum: 0.8 } } as Partial<TrainerConfigInput>, 5, 3, path.join(dir, 'debiaspl-tear.ckpt'), sameMarginal)));

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
