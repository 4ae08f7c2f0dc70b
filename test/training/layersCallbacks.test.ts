import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { classificationReport } from '../../src/metrics/classificationReport';
import { evaluationLogs, fromLayersCallback, isLayersStyleCallback, type TrainingControl } from '../../src/training/callbacks';
import type { EvalMetrics, StepLogs } from '../../src/training/callbacks';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { DATA, NUM_CLASSES, SIDE, trainerOptions } from './fixtures';

/** Metrics whose EMA top-1 is `acc` (of 4 samples, so acc ∈ {0, .25, .5, .75, 1}). */
function metricsWithAccuracy(acc: number): EvalMetrics {
  const correct = Math.round(acc * 4);
  const labels = [0, 0, 1, 1];
  const probs = labels.map((y, i) => (i < correct ? (y === 0 ? [0.9, 0.1] : [0.1, 0.9]) : (y === 0 ? [0.1, 0.9] : [0.9, 0.1])));
  const report = classificationReport(labels, probs, 2);
  return { student: report, ema: report };
}

const logs = (loss: number): StepLogs => ({ loss, supervised: loss, unlabeled: 0, iph: Number.NaN, maskRate: 0.5, lr: 0.1, emaMomentum: 0.9 });

function control(totalSteps = 10, evalEvery = 2): TrainingControl & { stops: number } {
  const c = { totalSteps, evalEvery, stops: 0, stop: () => { c.stops++; } };
  return c;
}

describe('tfjs-layers-style callbacks', () => {
  it('tells layers callbacks from the trainer\'s own', () => {
    expect(isLayersStyleCallback(tf.callbacks.earlyStopping(), tf.Callback)).toBe(true);
    expect(isLayersStyleCallback(new tf.CustomCallback({ onBatchEnd: async () => undefined }), tf.Callback)).toBe(true);
    expect(isLayersStyleCallback({ onEpochEnd: () => undefined })).toBe(true); // tfjs-vis fitCallbacks are plain objects
    expect(isLayersStyleCallback({ onStepEnd: () => undefined, onTrainBegin: () => undefined })).toBe(false);
    expect(isLayersStyleCallback({ onTrainBegin: () => undefined })).toBe(false);
  });

  it('evaluation logs: val_acc is the EMA top-1, plus the last step\'s finite logs', () => {
    expect(evaluationLogs(9, metricsWithAccuracy(0.75), logs(2))).toEqual({
      loss: 2, supervised: 2, unlabeled: 0, maskRate: 0.5, lr: 0.1, emaMomentum: 0.9,
      step: 10, val_acc: 0.75, val_balanced_acc: 0.75, val_macro_f1: expect.any(Number), val_auc: expect.any(Number), val_student_acc: 0.75,
    });
  });

  it('tf.callbacks.earlyStopping on val_acc stops after `patience` evaluations without improvement', async () => {
    const c = control();
    const cb = fromLayersCallback(tf.callbacks.earlyStopping({ monitor: 'val_acc', patience: 2 }), c);
    await cb.onTrainBegin?.(0);
    const accuracies = [0.5, 0.75, 0.75, 0.5];
    for (const [i, acc] of accuracies.entries()) {
      await cb.onStepEnd?.(2 * i + 1, logs(1));
      await cb.onEvalEnd?.(2 * i + 1, metricsWithAccuracy(acc));
      // improvement at evaluations 0 and 1; evaluations 2 and 3 do not improve: patience 2 is used up at 3
      expect(c.stops, `after evaluation ${i}`).toBe(i < 3 ? 0 : 1);
    }
  });

  it('a tf.CustomCallback gets onBatchEnd per step and onEpochEnd per evaluation, with indices and logs', async () => {
    const seen: string[] = [];
    const custom = new tf.CustomCallback({
      onTrainBegin: async () => void seen.push('begin'),
      onBatchEnd: async (batch, l) => void seen.push(`batch ${batch} loss ${l?.loss}`),
      onEpochEnd: async (epoch, l) => void seen.push(`epoch ${epoch} val_acc ${l?.val_acc}`),
      onTrainEnd: async () => void seen.push('end'),
    });
    const cb = fromLayersCallback(custom, control());
    await cb.onTrainBegin?.(0);
    await cb.onStepEnd?.(0, logs(3));
    await cb.onStepEnd?.(1, logs(2));
    await cb.onEvalEnd?.(1, metricsWithAccuracy(0.5));
    await cb.onTrainEnd?.(2);
    expect(seen).toEqual(['begin', 'batch 0 loss 3', 'batch 1 loss 2', 'epoch 0 val_acc 0.5', 'end']);
  });
});

describe('SemiSupervisedTrainer with tfjs-layers callbacks', () => {
  it('tf.callbacks.earlyStopping stops run() after the first evaluation that misses its baseline; a CustomCallback sees every step', async () => {
    const batches: number[] = [];
    const epochs: Array<Record<string, number>> = [];
    const custom = new tf.CustomCallback({
      onBatchEnd: async (batch) => void batches.push(batch),
      onEpochEnd: async (_epoch, l) => void epochs.push(l as Record<string, number>),
    });
    // a top-1 above 1 is impossible: the first evaluation (step 2) uses up patience 1
    const early = tf.callbacks.earlyStopping({ monitor: 'val_acc', baseline: 1.01, patience: 1 });
    const trainer = await SemiSupervisedTrainer.create(trainerOptions({ config: { method: 'fixmatch', totalSteps: 10, evalEvery: 2 }, callbacks: [custom, early] }));
    const logs = await trainer.run();
    expect(logs.length).toBe(2);
    expect(trainer.step).toBe(2);
    expect(batches).toEqual([0, 1]);
    expect(epochs.length).toBe(1);
    expect(epochs[0].step).toBe(2);
    expect(epochs[0].val_acc).toBeGreaterThanOrEqual(0);
    expect(epochs[0].val_acc).toBeLessThanOrEqual(1);
    // run() clears the flag: a second run continues (and stops again at the next evaluation)
    await trainer.run();
    expect(trainer.step).toBe(4);
    trainer.dispose();
  });

  it('takes tf.data Datasets and an async generator of {xs, ys} directly as labeled, unlabeled and validation data', async () => {
    const size = SIDE * SIDE;
    const element = (i: number) => ({ xs: tf.tensor3d(DATA.images.slice(i * size, (i + 1) * size), [SIDE, SIDE, 1]), ys: tf.oneHot(DATA.labels[i], NUM_CLASSES) });
    const dataset = (from: number, to: number, batch: number) =>
      tf.data.array(Array.from({ length: to - from }, (_, k) => element(from + k))).batch(batch) as unknown as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>;
    async function* labeledForever() {
      for (let k = 0; ; k++) {
        const rows = [0, 1, 2, 3].map((j) => (4 * k + j) % 12);
        yield { xs: tf.tensor4d(Float32Array.from(rows.flatMap((i) => Array.from(DATA.images.slice(i * size, (i + 1) * size)))), [4, SIDE, SIDE, 1]), ys: tf.tensor1d(rows.map((i) => DATA.labels[i]), 'int32') };
      }
    }
    const trainer = await SemiSupervisedTrainer.create(trainerOptions({
      labeled: labeledForever(),
      unlabeled: dataset(12, 60, 8),
      validation: dataset(0, 12, 6),
      config: { method: 'fixmatch', totalSteps: 3, evalEvery: 3 },
    }));
    const logs = await trainer.run();
    expect(logs.every((l) => Number.isFinite(l.loss))).toBe(true);
    expect((await trainer.evaluate()).ema.numSamples).toBe(12);
    trainer.dispose();
  });

  it('names what a source must be', async () => {
    await expect(SemiSupervisedTrainer.create(trainerOptions({ labeled: 42 as never }))).rejects.toThrow(/option 'labeled' must be an AsyncIterable of LabeledBatch or \{xs, ys\}, a tf.data.Dataset, or a factory/);
    await expect(SemiSupervisedTrainer.create(trainerOptions({ validation: 42 as never }))).rejects.toThrow(/option 'validation' must be an \(async\) iterable of batches, a tf.data.Dataset, or a factory/);
  });
});
