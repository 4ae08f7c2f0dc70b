import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { classificationReport } from '../../src/metrics/classificationReport';
import { evaluationLogs, fromLayersCallback, isLayersStyleCallback, type TrainingControl } from '../../src/training/callbacks';
import type { EvalMetrics, StepLogs } from '../../src/training/callbacks';

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
