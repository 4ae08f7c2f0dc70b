import * as tf from '@tensorflow/tfjs';
import { evaluationBatches } from '../data/index';
import type { ClassificationReport } from '../metrics/classificationReport';
import { evaluateModels, predictProbabilities, type Predictions } from '../training/evaluateModels';
import type { EvalNumbers } from './metricsLog';
import type { DataPart } from './prepareData';

/** Classification report of each model on `part` (inference mode, after `preprocess`). */
export function evaluateOnPart(
  models: readonly tf.LayersModel[], part: DataPart, numClasses: number,
  opts: { batchSize: number; preprocess?: (x: tf.Tensor4D) => tf.Tensor4D },
): Promise<ClassificationReport[]> {
  return evaluateModels(models, evaluationBatches(part.dataset, part.indices, opts.batchSize), numClasses, opts);
}

/** Labels and each model's softmax probabilities on `part` (inference mode, after `preprocess`). */
export function predictOnPart(
  models: readonly tf.LayersModel[], part: DataPart,
  opts: { batchSize: number; preprocess?: (x: tf.Tensor4D) => tf.Tensor4D },
): Promise<Predictions> {
  return predictProbabilities(models, evaluationBatches(part.dataset, part.indices, opts.batchSize), opts);
}

/** The numbers the CLI logs and reports, from a classification report: four summaries and, when the report has them, per-class recalls. */
export function evalNumbers(report: {
  accuracy: number; balancedAccuracy: number; macroF1: number; rocAuc: number; perClass?: { recall: readonly number[] };
}): EvalNumbers {
  const numbers: EvalNumbers = { top1: report.accuracy, balancedAccuracy: report.balancedAccuracy, macroF1: report.macroF1, macroAuc: report.rocAuc };
  if (report.perClass !== undefined) numbers.recall = [...report.perClass.recall];
  return numbers;
}
