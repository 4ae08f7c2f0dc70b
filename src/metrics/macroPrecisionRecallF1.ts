import { checkedConfusionMatrix } from './confusionMatrix';
import type { NumberArray } from './labelChecks';

/** Macro precision, recall and F1, and their per-class values. */
export interface PrecisionRecallF1 {
  /** Means over the classes present in `yTrue` or `yPred`; NaN for empty input. */
  precision: number;
  recall: number;
  f1: number;
  /** Per class, length C (0/0 = 0 for every class, present or not). */
  perClass: { precision: number[]; recall: number[]; f1: number[]; support: number[] };
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * Per-class P_k = TP/(TP+FP), R_k = TP/(TP+FN), F1_k = 2·P·R/(P+R), each with 0/0 = 0;
 * macro = unweighted mean over the classes that occur in `yTrue` or `yPred` (as scikit-learn without `labels`).
 */
export function macroPrecisionRecallF1(yTrue: NumberArray, yPred: NumberArray, numClasses: number): PrecisionRecallF1 {
  return precisionRecallF1FromConfusion(checkedConfusionMatrix(yTrue, yPred, numClasses, 'macroPrecisionRecallF1'));
}

/** The same numbers from a confusion matrix (rows true, columns predicted). */
export function precisionRecallF1FromConfusion(m: number[][]): PrecisionRecallF1 {
  const c = m.length;
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const support: number[] = [];
  const used: number[] = [];
  for (let k = 0; k < c; k++) {
    const tp = m[k][k];
    const trueCount = m[k].reduce((a, b) => a + b, 0);
    let predCount = 0;
    for (let t = 0; t < c; t++) predCount += m[t][k];
    const p = ratio(tp, predCount);
    const r = ratio(tp, trueCount);
    precision.push(p);
    recall.push(r);
    f1.push(ratio(2 * p * r, p + r));
    support.push(trueCount);
    if (trueCount > 0 || predCount > 0) used.push(k);
  }
  const mean = (v: number[]) => (used.length === 0 ? NaN : used.reduce((s, k) => s + v[k], 0) / used.length);
  return { precision: mean(precision), recall: mean(recall), f1: mean(f1), perClass: { precision, recall, f1, support } };
}
