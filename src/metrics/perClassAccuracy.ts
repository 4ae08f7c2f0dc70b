import { checkedConfusionMatrix } from './confusionMatrix';
import type { NumberArray } from './labelChecks';

/** Per-class accuracy (recall) `m[k][k] / Σ_p m[k][p]`, length C; NaN for a class absent from `yTrue`. */
export function perClassAccuracy(yTrue: NumberArray, yPred: NumberArray, numClasses: number): number[] {
  return recallsFromConfusion(checkedConfusionMatrix(yTrue, yPred, numClasses, 'perClassAccuracy'));
}

/** Row-normalised diagonal of a confusion matrix; NaN for empty rows. */
export function recallsFromConfusion(m: number[][]): number[] {
  return m.map((row, k) => {
    const support = row.reduce((a, b) => a + b, 0);
    return support === 0 ? NaN : row[k] / support;
  });
}
