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

/** What {@link predictProbabilities} returns: the true labels [N] and each model's softmax probabilities, flat [N·C] row-major. */
export interface Predictions {
  labels: number[];
  probs: number[][];
}

/**
 * Softmax probabilities of each model over `batches` (inference mode, `preprocess` applied first), with
 * the batches' labels, on the host. Every batch's tensors are disposed as they are consumed.
 */
export async function predictProbabilities(
  models: readonly Classifier[],
  batches: Iterable<LabeledBatch> | AsyncIterable<LabeledBatch>,
  opts: { preprocess?: (x: tf.Tensor4D) => tf.Tensor4D } = {},
): Promise<Predictions> {
  const labels: number[] = [];
  const probs: number[][] = models.map(() => []);
  for await (const batch of batches) {
    try {
      const outputs = tf.tidy(() => {
        const x = opts.preprocess ? opts.preprocess(batch.images) : batch.images;
        return models.map((m) => softmaxProbabilities(logitsOf(m, x)));
      });
      const [batchLabels, ...values] = await Promise.all([batch.labels.data(), ...outputs.map((o) => o.data())]);
      tf.dispose(outputs);
      labels.push(...batchLabels);
      values.forEach((v, i) => probs[i].push(...v));
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
  }
  return { labels, probs };
}

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
  const { labels, probs } = await predictProbabilities(models, batches, opts);
  return probs.map((p) => classificationReport(labels, p, numClasses));
}
