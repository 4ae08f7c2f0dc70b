import { binaryRocAuc } from './rocAuc';
import { checkLabels, checkNumClasses, type NumberArray } from './labelChecks';
import { flattenProbabilities, type ProbabilityRows } from './probabilityRows';

/**
 * Per-class one-vs-rest AUC of the scores `probs[:, k]` with positives `yTrue === k`, length C;
 * NaN for a class with no positive or no negative sample.
 */
export function rocAucPerClass(yTrue: NumberArray, probs: ProbabilityRows, numClasses: number): number[] {
  const fn = 'rocAucOneVsRest';
  checkNumClasses(numClasses, fn);
  checkLabels(yTrue, 'yTrue', fn, numClasses);
  const n = yTrue.length;
  const flat = flattenProbabilities(probs, n, numClasses, fn);
  const out: number[] = [];
  for (let k = 0; k < numClasses; k++) {
    const scores = new Float64Array(n);
    const positive = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = flat[i * numClasses + k];
      positive[i] = yTrue[i] === k ? 1 : 0;
    }
    out.push(binaryRocAuc(positive, scores));
  }
  return out;
}

/**
 * Macro one-vs-rest ROC-AUC: the mean of `rocAucPerClass` over the classes present in `yTrue`
 * (classes with no positive are skipped). NaN when fewer than two classes are present (no AUC is defined).
 */
export function rocAucOneVsRest(yTrue: NumberArray, probs: ProbabilityRows, numClasses: number): number {
  const defined = rocAucPerClass(yTrue, probs, numClasses).filter((a) => !Number.isNaN(a));
  return defined.length === 0 ? NaN : defined.reduce((a, b) => a + b, 0) / defined.length;
}
