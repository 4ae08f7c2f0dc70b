import type { NumberArray } from './labelChecks';
import { checkedConfusionMatrix } from './confusionMatrix';
import { recallsFromConfusion } from './perClassAccuracy';

/** Mean per-class recall over the classes present in `yTrue` (absent classes are skipped); NaN for empty input. */
export function balancedAccuracy(yTrue: NumberArray, yPred: NumberArray, numClasses: number): number {
  const present = recallsFromConfusion(checkedConfusionMatrix(yTrue, yPred, numClasses, 'balancedAccuracy')).filter((r) => !Number.isNaN(r));
  return present.length === 0 ? NaN : present.reduce((a, b) => a + b, 0) / present.length;
}
