import { checkLabels, checkNumClasses, checkSameLength, type NumberArray } from './labelChecks';

/** C×C counts: `m[t][p]` = number of samples with true class t predicted as p (rows true, columns predicted). */
export function confusionMatrix(yTrue: NumberArray, yPred: NumberArray, numClasses: number): number[][] {
  return checkedConfusionMatrix(yTrue, yPred, numClasses, 'confusionMatrix');
}

/** confusionMatrix whose argument errors name `fn`, the metric the caller called (e.g. 'balancedAccuracy'). */
export function checkedConfusionMatrix(yTrue: NumberArray, yPred: NumberArray, numClasses: number, fn: string): number[][] {
  checkNumClasses(numClasses, fn);
  checkSameLength(yTrue, 'yTrue', yPred, 'yPred', fn);
  checkLabels(yTrue, 'yTrue', fn, numClasses);
  checkLabels(yPred, 'yPred', fn, numClasses);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]] += 1;
  return m;
}
