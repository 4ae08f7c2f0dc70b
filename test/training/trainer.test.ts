import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { strongAugment } from '../../src/augment/randAugment';
import { weakAugment } from '../../src/augment/weakAugment';
import { createSmallCnn } from '../../src/models/smallCnn';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { cosineLearningRate } from '../../src/training/schedules';
import type { StepLogs } from '../../src/training/callbacks';
import { expectClose, expectNoLeak } from '../helpers/tensors';
import { trainerOptions, variableValues } from './fixtures';

const weightsOf = (m: tf.LayersModel): tf.Variable[] => m.weights.map((w) => w.read() as tf.Variable);
const isStat = (v: tf.Variable): boolean => /moving_(mean|variance)/.test(v.name);

describe('SemiSupervisedTrainer: one step', () => {
  it('changes every trainable parameter and the BN statistics, and the EMA follows m·θ̃ + (1−m)·θ exactly', () => expectNoLeak(async () => {
    const options = trainerOptions({ config: { method: 'tear', ema: { momentum: 0.9 } } });
    const model = options.model as tf.LayersModel;
    const trainer = await SemiSupervisedTrainer.create(options);
    const before = await variableValues(weightsOf(model));
    const logs = await trainer.trainStep();
    expect(Number.isFinite(logs.loss)).toBe(true);
    const after = await variableValues(weightsOf(model));
    const ema = await variableValues(weightsOf(trainer.emaModel as tf.LayersModel));
    weightsOf(model).forEach((v, i) => {
      const changed = before[i].some((x, j) => Math.abs(x - after[i][j]) > 1e-7);
      expect(changed, `${v.name} did not change`).toBe(true);
      if (isStat(v)) {
        expectClose(ema[i], after[i], 0, 0); // copied, not averaged
      } else {
        const expected = before[i].map((x, j) => 0.9 * x + 0.1 * after[i][j]);
        expectClose(ema[i], expected, 1e-7, 1e-6);
        expect(ema[i].some((x, j) => Math.abs(x - after[i][j]) > 1e-7), `EMA of ${v.name} equals the student`).toBe(true);
      }
    });
    expect(trainer.step).toBe(1);
    expect(logs.lr).toBe(cosineLearningRate(0, { learningRate: 0.05, totalSteps: 50 }));
    trainer.dispose();
    model.dispose();
  }));

  it('total = supervised + λu·unlabeled + λiph·iph, and turning IPH or AdaPL off removes exactly its term', () => expectNoLeak(async () => {
    // threshold 0 keeps every unlabeled sample in the mask, so the unlabeled terms are non-zero.
    const stepOf = async (method: 'fixmatch' | 'iph' | 'adapl' | 'tear', adapl = {}): Promise<StepLogs> => {
      const options = trainerOptions({ config: { method, lambdaU: 0.7, lambdaIph: 0.5, threshold: 0, adapl } });
      const trainer = await SemiSupervisedTrainer.create(options);
      const logs = await trainer.trainStep();
      trainer.dispose();
      (options.model as tf.LayersModel).dispose();
      return logs;
    };
    const fixmatch = await stepOf('fixmatch');
    const iph = await stepOf('iph');
    const adapl = await stepOf('adapl');
    const tear = await stepOf('tear');
    const adaplNoRelax = await stepOf('adapl', { wMin: 1 });
    for (const logs of [fixmatch, iph, adapl, tear]) {
      expect(logs.maskRate).toBe(1);
      expect(logs.unlabeled).toBeGreaterThan(0);
      expect(logs.loss).toBeCloseTo(logs.supervised + 0.7 * logs.unlabeled + 0.5 * logs.iph, 5);
    }
    // IPH off (fixmatch, adapl): no IPH term; IPH on leaves the other terms untouched.
    expect(fixmatch.iph).toBe(0);
    expect(adapl.iph).toBe(0);
    expect(iph.iph).toBeGreaterThan(0);
    expect(iph.supervised).toBeCloseTo(fixmatch.supervised, 6);
    expect(iph.unlabeled).toBeCloseTo(fixmatch.unlabeled, 6);
    expect(iph.loss - 0.5 * iph.iph).toBeCloseTo(fixmatch.loss, 5);
    // AdaPL on relaxes the labels: L_con differs from FixMatch's L_u; the IPH term does not change.
    expect(Math.abs(adapl.unlabeled - fixmatch.unlabeled)).toBeGreaterThan(1e-4);
    expect(tear.unlabeled).toBeCloseTo(adapl.unlabeled, 6);
    expect(tear.iph).toBeCloseTo(iph.iph, 6);
    // AdaPL off (tear → iph) swaps exactly L_con for L_u.
    expect(tear.loss - 0.7 * tear.unlabeled + 0.7 * iph.unlabeled).toBeCloseTo(iph.loss, 5);
    // AdaPL with w_min = 1 never relaxes a label: its consistency loss is FixMatch's.
    expect(adaplNoRelax.unlabeled).toBeCloseTo(fixmatch.unlabeled, 6);
    expect(adaplNoRelax.loss).toBeCloseTo(fixmatch.loss, 6);
  }));

  it('supervised-only never reads the unlabeled source and logs zero unlabeled/IPH terms', () => expectNoLeak(async () => {
    const neverRead: AsyncIterable<never> = {
      [Symbol.asyncIterator]: () => { throw new Error('unlabeled data was read'); },
    };
    const options = trainerOptions({ unlabeled: neverRead, strongAugment: undefined, config: { method: 'supervised' } });
    const model = options.model as tf.LayersModel;
    const trainer = await SemiSupervisedTrainer.create(options);
    const before = await variableValues(weightsOf(model));
    const logs = await trainer.trainStep();
    expect(logs.unlabeled).toBe(0);
    expect(logs.iph).toBe(0);
    expect(logs.loss).toBeCloseTo(logs.supervised, 6);
    const after = await variableValues(weightsOf(model));
    expect(before.some((b, i) => b.some((x, j) => x !== after[i][j]))).toBe(true);
    trainer.dispose();
    model.dispose();
  }));

  it('weight decay moves conv/dense weights by exactly lr·(1+μ)·wd·θ on the first step and leaves BN γ/β alone', () => expectNoLeak(async () => {
    const run = async (weightDecay: number) => {
      const options = trainerOptions({ config: { method: 'supervised', optimizer: { weightDecay } } });
      const model = options.model as tf.LayersModel;
      const trainer = await SemiSupervisedTrainer.create(options);
      const before = await variableValues(weightsOf(model));
      await trainer.trainStep();
      const after = await variableValues(weightsOf(model));
      const names = weightsOf(model).map((v) => v.name);
      trainer.dispose();
      model.dispose();
      return { before, after, names };
    };
    const plain = await run(0);
    const decayed = await run(0.5);
    const lr = 0.05;
    plain.names.forEach((name, i) => {
      const short = name.replace(/.*\//, '').replace(/_\d+$/, '');
      if (['gamma', 'beta', 'moving_mean', 'moving_variance'].includes(short)) {
        expectClose(decayed.after[i], plain.after[i], 0, 0);
      } else {
        const expected = plain.after[i].map((x, j) => x - lr * 1.9 * 0.5 * plain.before[i][j]);
        expectClose(decayed.after[i], expected, 1e-6, 1e-5);
      }
    });
  }));
});

describe('SemiSupervisedTrainer with the package backbone and augmentations', () => {
  it('runs TEAR steps on createSmallCnn with weakAugment/strongAugment, and the teacher rebuilt from toJSON matches the student at step 0', () => expectNoLeak(async () => {
    const model = createSmallCnn({ inputShape: [8, 8, 1], numClasses: 3, seed: 4 });
    const options = trainerOptions({ model, weakAugment: weakAugment({ pad: 1 }), strongAugment: strongAugment(), config: { method: 'tear' } });
    const trainer = await SemiSupervisedTrainer.create(options);
    const teacher = trainer.emaModel as tf.LayersModel;
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 1);
    const [a, b] = [model, teacher].map((m) => m.apply(x, { training: false }) as tf.Tensor[]);
    expectClose(await b[0].data(), await a[0].data(), 0, 0);
    tf.dispose([x, ...a, ...b]);
    const logs = await trainer.run(2);
    logs.forEach((l) => expect(Number.isFinite(l.loss)).toBe(true));
    trainer.dispose();
    model.dispose();
  }));
});
