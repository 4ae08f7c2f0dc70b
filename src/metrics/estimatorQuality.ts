import { binaryRocAuc } from './rocAuc';
import { checkSameLength, type NumberArray } from './labelChecks';
import { spearmanCorrelation } from './sslDiagnostics';

/** How well a per-sample score predicts the true loss and spots wrong pseudo labels. */
export interface EstimatorQuality {
  /** Spearman's ρ between the score and the true per-sample loss −log p_y (1: same ranking). */
  spearman: number;
  /** ROC-AUC of the score for "pseudo label ≠ true label" (1: every wrong label scores above every right one; 0.5: chance). */
  auroc: number;
}

/**
 * Quality of a loss estimate (or any uncertainty score) on samples with known labels:
 * Spearman's ρ(score, trueLoss) and AUROC(score → wrong). NaN where undefined (fewer than two samples,
 * a constant side, or no wrong / no right pseudo label). Plain arrays in, numbers out.
 */
export function estimatorQuality(score: NumberArray, trueLoss: NumberArray, wrong: ArrayLike<boolean | number>): EstimatorQuality {
  const fn = 'estimatorQuality';
  checkSameLength(score, 'score', trueLoss, 'trueLoss', fn);
  checkSameLength(score, 'score', wrong as NumberArray, 'wrong', fn);
  return { spearman: spearmanCorrelation(score, trueLoss), auroc: binaryRocAuc(wrong, score) };
}
