import { checkSameLength, type NumberArray } from './labelChecks';

/** Fraction of samples with `yPred[i] === yTrue[i]`; NaN for empty input. */
export function top1Accuracy(yTrue: NumberArray, yPred: NumberArray): number {
  checkSameLength(yTrue, 'yTrue', yPred, 'yPred', 'top1Accuracy');
  if (yTrue.length === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct += 1;
  return correct / yTrue.length;
}
