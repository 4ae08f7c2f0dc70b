import * as tf from '@tensorflow/tfjs';
import type { LabeledBatch } from '../data/types';
import { classificationReport, type ClassificationReport } from '../metrics/classificationReport';
import { softmaxProbabilities } from '../math/probabilities';

/** A model with outputs [logits, features] (as every tear-ssl backbone), or a function x [N,H,W,C] → logits [N,C]. */
export type Classifier = tf.LayersModel | ((x: tf.Tensor4D) => tf.Tensor2D);

const logitsOf = (model: Classifier, x: tf.Tensor4D): tf.Tensor2D =>
  typeof model === 'function'
    ? model(x)
    : (model.apply(x, { training: false }) as tf.Tensor[])[0] as tf.Tensor2D;

/**
 * `classificationReport` of each model over `batches` (inference mode, `preprocess` applied first),
 * one report per model, in order. Every batch's tensors are disposed as they are consumed.
 */
export async function evaluateModels(
  models: readonly Classifier[],
  batches: Iterable<LabeledBatch> | AsyncIterable<LabeledBatch>,
  numClasses: number,
  opts: { preprocess?: (x: tf.Tensor4D) => tf.Tensor4D } = {},
): Promise<ClassificationReport[]> {
  const yTrue: number[] = [];
  const probs: number[][] = models.map(() => []);
  for await (const batch of batches) {
    try {
      const outputs = tf.tidy(() => {
        const x = opts.preprocess ? opts.preprocess(batch.images) : batch.images;
        return models.map((m) => softmaxProbabilities(logitsOf(m, x)));
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
