import { confusionMatrix } from './confusionMatrix';
import { checkNumClasses, checkLabels, type NumberArray } from './labelChecks';
import { precisionRecallF1FromConfusion } from './macroPrecisionRecallF1';
import { recallsFromConfusion } from './perClassAccuracy';
import { argmaxRows, flattenProbabilities, type ProbabilityRows } from './probabilityRows';
import { rocAucPerClass } from './rocAucOneVsRest';

/** Every classification metric of one evaluation: accuracy, balanced accuracy, macro P/R/F1, macro AUC, per-class numbers and the confusion matrix. */
export interface ClassificationReport {
  numSamples: number;
  /** Top-1 accuracy of argmax predictions. */
  accuracy: number;
  /** Mean recall over classes present in yTrue. */
  balancedAccuracy: number;
  /** Macro means over classes present in yTrue or the predictions (0/0 = 0 per class). */
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  /** Macro one-vs-rest AUC over classes present in yTrue (NaN with fewer than two). */
  rocAuc: number;
  /** Per class, length C: accuracy (= recall; NaN if absent), precision, recall, f1, auc (NaN if undefined), support. */
  perClass: { accuracy: number[]; precision: number[]; recall: number[]; f1: number[]; auc: number[]; support: number[] };
  /** Rows true, columns predicted. */
  confusionMatrix: number[][];
}

/** Every metric of this folder at once, predictions being the argmax of `probs` (first index on ties). */
export function classificationReport(yTrue: NumberArray, probs: ProbabilityRows, numClasses: number): ClassificationReport {
  const fn = 'classificationReport';
  checkNumClasses(numClasses, fn);
  checkLabels(yTrue, 'yTrue', fn, numClasses);
  const n = yTrue.length;
  const flat = flattenProbabilities(probs, n, numClasses, fn);
  const yPred = argmaxRows(flat, n, numClasses);
  const m = confusionMatrix(yTrue, yPred, numClasses);
  const accuracyPerClass = recallsFromConfusion(m);
  const present = accuracyPerClass.filter((r) => !Number.isNaN(r));
  const prf = precisionRecallF1FromConfusion(m);
  const auc = rocAucPerClass(yTrue, flat, numClasses);
  const definedAuc = auc.filter((a) => !Number.isNaN(a));
  let correct = 0;
  for (let k = 0; k < numClasses; k++) correct += m[k][k];
  return {
    numSamples: n,
    accuracy: n === 0 ? NaN : correct / n,
    balancedAccuracy: present.length === 0 ? NaN : present.reduce((a, b) => a + b, 0) / present.length,
    macroPrecision: prf.precision,
    macroRecall: prf.recall,
    macroF1: prf.f1,
    rocAuc: definedAuc.length === 0 ? NaN : definedAuc.reduce((a, b) => a + b, 0) / definedAuc.length,
    perClass: {
      accuracy: accuracyPerClass, precision: prf.perClass.precision, recall: prf.perClass.recall,
      f1: prf.perClass.f1, auc, support: prf.perClass.support,
    },
    confusionMatrix: m,
  };
}
