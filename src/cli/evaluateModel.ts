import * as tf from '@tensorflow/tfjs';
import { evaluationBatches } from '../data/index';
import { classificationReport, type ClassificationReport } from '../metrics/classificationReport';
import type { EvalNumbers } from './metricsLog';
import type { DataPart } from './prepareData';

/** A model with outputs [logits, features] (the trainer's student or EMA model). */
export type TwoOutputModel = tf.LayersModel;

/**
 * Classification report of each model on `part`, in inference mode, after `preprocess`
 * (evaluation batches of `batchSize`; every tensor freed).
 */
export async function evaluateModels(
  models: readonly TwoOutputModel[], part: DataPart, numClasses: number,
  opts: { batchSize: number; preprocess?: (x: tf.Tensor4D) => tf.Tensor4D },
): Promise<ClassificationReport[]> {
  const yTrue: number[] = [];
  const probs: number[][] = models.map(() => []);
  for (const batch of evaluationBatches(part.dataset, part.indices, opts.batchSize)) {
    try {
      const outputs = tf.tidy(() => {
        const x = opts.preprocess ? opts.preprocess(batch.images) : batch.images;
        return models.map((m) => tf.softmax((m.apply(x, { training: false }) as tf.Tensor[])[0] as tf.Tensor2D));
      });
      const [labels, ...values] = await Promise.all([batch.labels.data(), ...outputs.map((o) => o.data())]);
      tf.dispose(outputs);
      yTrue.push(...labels);
      values.forEach((v, i) => probs[i].push(...v));
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
  }
  return probs.map((p) => classificationReport(yTrue, p, numClasses));
}

/** The four numbers the CLI logs and reports, from a classification report. */
export function evalNumbers(report: { accuracy: number; balancedAccuracy: number; macroF1: number; rocAuc: number }): EvalNumbers {
  return { top1: report.accuracy, balancedAccuracy: report.balancedAccuracy, macroF1: report.macroF1, macroAuc: report.rocAuc };
}
