import type { NumberArray } from './labelChecks';
import { fitLogisticRegression, logisticScores, type LogisticRegressionOptions } from './logisticRegression';

/**
 * Out-of-fold logistic-regression scores: rows are split into `folds` folds by index (row i in fold
 * i mod folds); each fold is scored by a model fitted on the others, so no row's score saw its own target.
 * This is how a combination fitted on the validation split is itself scored on validation without
 * optimism. Returns the linear scores η (monotone in the predicted probability), [N].
 */
export function crossFittedLogisticScores(
  features: readonly NumberArray[], targets: ArrayLike<number | boolean>, folds = 2, options: LogisticRegressionOptions = {},
): Float64Array {
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`crossFittedLogisticScores: folds must be an integer ≥ 2, got ${folds}`);
  if (features.length < folds) throw new Error(`crossFittedLogisticScores: ${features.length} rows cannot fill ${folds} folds`);
  const out = new Float64Array(features.length);
  for (let f = 0; f < folds; f++) {
    const train = features.map((_, i) => i).filter((i) => i % folds !== f);
    const held = features.map((_, i) => i).filter((i) => i % folds === f);
    const model = fitLogisticRegression(train.map((i) => features[i]), train.map((i) => targets[i]), options);
    const scores = logisticScores(model, held.map((i) => features[i]));
    held.forEach((i, j) => { out[i] = scores[j]; });
  }
  return out;
}
