import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { EvalMetrics, StepLogs } from '../../src/training/callbacks';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { expectClose, expectNoLeak } from '../helpers/tensors';
import { linearFunctionModel, trainerOptions, variableValues } from './fixtures';

const weightsOf = (m: tf.LayersModel): tf.Variable[] => m.weights.map((w) => w.read() as tf.Variable);

describe('SemiSupervisedTrainer: training loop', () => {
  it('50 TEAR steps keep tf.memory().numTensors flat and lower the supervised loss', () => expectNoLeak(async () => {
    const options = trainerOptions({ config: { method: 'tear', totalSteps: 51, learningRate: 0.1, ema: { momentum: 0.9, warmup: true } } });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.trainStep();
    const counts: number[] = [];
    const logs = await trainer.run(51);
    counts.push(tf.memory().numTensors);
    await trainer.run(51);
    expect(logs.length).toBe(50);
    const before = tf.memory().numTensors;
    expect(counts[0]).toBe(before);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const early = mean(logs.slice(0, 10).map((l) => l.supervised));
    const late = mean(logs.slice(-10).map((l) => l.supervised));
    expect(late).toBeLessThan(early);
    logs.forEach((l) => expect(Number.isFinite(l.loss)).toBe(true));
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  }));

  it('run(until, { keepLogs: false }) trains the same steps, calls onStepEnd for each, and returns no logs', () => expectNoLeak(async () => {
    const seen: number[] = [];
    const options = trainerOptions({ config: { method: 'fixmatch', totalSteps: 5 }, callbacks: { onStepEnd: (k: number) => { seen.push(k); } } });
    const kept = trainerOptions({ config: { method: 'fixmatch', totalSteps: 5 } });
    const a = await SemiSupervisedTrainer.create(options);
    const b = await SemiSupervisedTrainer.create(kept);
    expect(await a.run(5, { keepLogs: false })).toEqual([]);
    const logs = await b.run(5);
    expect(logs.length).toBe(5);
    expect(a.step).toBe(5);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // Not keeping the logs changes nothing else: the same weights after the same steps.
    const wa = await variableValues(weightsOf(options.model as tf.LayersModel));
    const wb = await variableValues(weightsOf(kept.model as tf.LayersModel));
    expect(wa).toEqual(wb);
    a.dispose();
    b.dispose();
    (options.model as tf.LayersModel).dispose();
    (kept.model as tf.LayersModel).dispose();
  }));

  it('tensor count is identical after every step (no slow growth)', () => expectNoLeak(async () => {
    const options = trainerOptions({ config: { method: 'adapl', reference: 'memory', memory: { numSamples: 60 } } });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.trainStep();
    const reference = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      await trainer.trainStep();
      expect(tf.memory().numTensors).toBe(reference);
    }
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  }));

  it("reference 'previous' holds θ_{k−1}, the weights and BN statistics the student had when the last step began", () => expectNoLeak(async () => {
    const options = trainerOptions({ config: { method: 'adapl', reference: 'previous' } });
    const model = options.model as tf.LayersModel;
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.trainStep();
    const afterFirst = await variableValues(weightsOf(model));
    await trainer.trainStep();
    const previous = (trainer as unknown as { states: { previous: { weights: tf.Tensor[] } } }).states.previous.weights;
    (await Promise.all(previous.map((t) => t.data()))).forEach((w, i) => expectClose(w, afterFirst[i], 0, 0));
    trainer.dispose();
    model.dispose();
  }));

  it('calls onTrainBegin, onStepEnd, onEvalEnd (every evalEvery steps) and onTrainEnd in order, with numeric logs', () => expectNoLeak(async () => {
    const events: string[] = [];
    const evals: EvalMetrics[] = [];
    const options = trainerOptions({
      config: { method: 'fixmatch', evalEvery: 2 },
      callbacks: {
        onTrainBegin: (step) => { events.push(`begin ${step}`); },
        onStepEnd: async (step, logs: StepLogs) => {
          for (const v of Object.values(logs)) expect(typeof v).toBe('number');
          events.push(`step ${step}`);
        },
        onEvalEnd: (step, metrics) => { events.push(`eval ${step}`); evals.push(metrics); },
        onTrainEnd: (step) => { events.push(`end ${step}`); },
      },
    });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.run(4);
    expect(events).toEqual(['begin 0', 'step 0', 'step 1', 'eval 1', 'step 2', 'step 3', 'eval 3', 'end 4']);
    expect(evals[0].student.numSamples).toBe(12);
    expect(evals[0].ema.numSamples).toBe(12);
    expect(evals[0].student.accuracy).toBeGreaterThanOrEqual(0);
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  }));

  it('hidden labels add diagnostics (pseudo-label accuracy, Spearman of L̂ vs true loss) without changing the loss', () => expectNoLeak(async () => {
    const run = async (hidden: boolean) => {
      const options = trainerOptions({ config: { method: 'tear' } }, hidden);
      const trainer = await SemiSupervisedTrainer.create(options);
      const logs = await trainer.run(2);
      trainer.dispose();
      (options.model as tf.LayersModel).dispose();
      return logs;
    };
    const plain = await run(false);
    const diagnosed = await run(true);
    expect(plain[1].pseudoLabelAccuracy).toBeUndefined();
    expect(diagnosed[1].pseudoLabelAccuracy).toBeGreaterThanOrEqual(0);
    expect(diagnosed[1].pseudoLabelAccuracy).toBeLessThanOrEqual(1);
    const rho = diagnosed[1].estimateSpearman as number;
    expect(rho).toBeGreaterThanOrEqual(-1);
    expect(rho).toBeLessThanOrEqual(1);
    diagnosed.forEach((l, i) => expect(l.loss).toBe(plain[i].loss));
  }));

  it('trains a function model with a teacher factory', () => expectNoLeak(async () => {
    const model = linearFunctionModel(8);
    const teachers: ReturnType<typeof linearFunctionModel>[] = [];
    const options = trainerOptions({
      model, createTeacher: () => { const t = linearFunctionModel(9); teachers.push(t); return t; },
      config: { method: 'tear', iph: { numClusters: 2 } },
    });
    const trainer = await SemiSupervisedTrainer.create(options);
    const before = await variableValues(model.trainableVariables);
    const logs = await trainer.trainStep();
    expect(logs.iph).toBeGreaterThanOrEqual(0);
    const after = await variableValues(model.trainableVariables);
    expect(before[0].some((x, i) => x !== after[0][i])).toBe(true);
    // the teacher starts as a copy of the student: after one step it is the EMA, not its own initialisation
    const teacherW = await variableValues(teachers[0].trainableVariables);
    expectClose(teacherW[0], before[0].map((x, i) => 0.9 * x + 0.1 * after[0][i]), 1e-6, 1e-5);
    trainer.dispose();
    [...model.trainableVariables, ...(model.nonTrainableVariables ?? [])].forEach((v) => v.dispose());
  }));

  it('rejects inconsistent options with the option named, leaking nothing on the error paths', () => expectNoLeak(async () => {
    const options = trainerOptions();
    const model = options.model as tf.LayersModel;
    const bad = (config: object, extra: object = {}) =>
      SemiSupervisedTrainer.create({ ...options, ...extra, config: { ...options.config, ...config } });
    await expect(bad({ method: 'tear', reference: 'memory', memory: { numSamples: 60 } })).rejects.toThrow(/uses IPH.*'memory'/);
    await expect(bad({ method: 'adapl', reference: 'memory' })).rejects.toThrow(/memory.numSamples/);
    await expect(bad({ methd: 'tear' })).rejects.toThrow(/unknown config option 'methd'/);
    await expect(bad({ adapl: { gamma: 0 } })).rejects.toThrow(/adapl.gamma/);
    await expect(bad({}, { strongAugment: undefined })).rejects.toThrow(/strongAugment/);
    await expect(bad({}, { unlabeled: undefined })).rejects.toThrow(/'unlabeled'/);
    const fn = linearFunctionModel(4);
    await expect(SemiSupervisedTrainer.create({ ...options, model: fn })).rejects.toThrow(/createTeacher/);
    [...fn.trainableVariables, ...(fn.nonTrainableVariables ?? [])].forEach((v) => v.dispose());
    model.dispose();
  }));
});
