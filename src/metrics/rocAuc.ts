import { check } from '../util/checks';
import { checkSameLength, type NumberArray } from './labelChecks';
import { averageRanks } from './averageRanks';

/**
 * Binary ROC-AUC by Mann–Whitney: (Σ ranks of positives − P(P+1)/2) / (P·N), with average ranks for ties
 * (a tied positive–negative pair counts 1/2). `isPositive[i]` is truthy for positives.
 * NaN when either class is missing.
 */
export function binaryRocAuc(isPositive: ArrayLike<number | boolean>, scores: NumberArray): number {
  checkSameLength(isPositive as NumberArray, 'isPositive', scores, 'scores', 'binaryRocAuc');
  for (let i = 0; i < scores.length; i++) {
    check(!Number.isNaN(scores[i]), 'binaryRocAuc', () => `argument 'scores' holds NaN at index ${i}`);
  }
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < scores.length; i++) {
    if (isPositive[i]) {
      positives += 1;
      rankSum += ranks[i];
    }
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
