import { check } from '../util/checks';
import { averageRanks } from './averageRanks';
import { checkSameLength, type NumberArray } from './labelChecks';

/** Mean of the mask, Σ m_b / U (for a 0/1 mask: the fraction of unlabeled samples kept); NaN when empty. */
export function maskRate(mask: NumberArray): number {
  if (mask.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < mask.length; i++) s += mask[i];
  return s / mask.length;
}

/**
 * Accuracy of pseudo labels against the hidden true labels of the unlabeled samples,
 * over the samples with `mask[i] > 0` when a mask is given (all samples otherwise); NaN when none count.
 */
export function pseudoLabelAccuracy(pseudo: NumberArray, hidden: NumberArray, mask?: NumberArray): number {
  const fn = 'pseudoLabelAccuracy';
  checkSameLength(pseudo, 'pseudo', hidden, 'hidden', fn);
  if (mask !== undefined) checkSameLength(pseudo, 'pseudo', mask, 'mask', fn);
  let counted = 0;
  let correct = 0;
  for (let i = 0; i < pseudo.length; i++) {
    if (mask !== undefined && !(mask[i] > 0)) continue;
    counted += 1;
    if (pseudo[i] === hidden[i]) correct += 1;
  }
  return counted === 0 ? NaN : correct / counted;
}

/**
 * Spearman's ρ: Pearson correlation of the average ranks of `a` and `b` (ties share their mean rank).
 * NaN for fewer than two samples or when either side is constant.
 */
export function spearmanCorrelation(a: NumberArray, b: NumberArray): number {
  const fn = 'spearmanCorrelation';
  checkSameLength(a, 'a', b, 'b', fn);
  for (let i = 0; i < a.length; i++) {
    check(!Number.isNaN(a[i]) && !Number.isNaN(b[i]), fn, () => `arguments 'a' and 'b' must not hold NaN (index ${i})`);
  }
  const n = a.length;
  if (n < 2) return NaN;
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i] - mean;
    const db = rb[i] - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/**
 * Per-sample loss of the true labels under predicted probabilities, ℓ_b = −log max(p_b,y_b, 1e-8)
 * (the quantity the AdaPL estimator L̂ predicts). probs row-major [N·C], labels [N] in [0, C).
 */
export function trueLabelLosses(probs: NumberArray, labels: NumberArray, numClasses: number): Float64Array {
  const n = labels.length;
  if (probs.length !== n * numClasses) {
    throw new RangeError(`tear-ssl.trueLabelLosses: 'probs' has ${probs.length} values, expected ${n}·${numClasses}`);
  }
  const out = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    const y = labels[b];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new RangeError(`tear-ssl.trueLabelLosses: label ${y} at index ${b} is outside [0, ${numClasses})`);
    out[b] = -Math.log(Math.max(probs[b * numClasses + y], 1e-8));
  }
  return out;
}

/** Per-class counts of the kept (masked) pseudo labels against the hidden labels; each array has length C. */
export interface PseudoLabelClassCounts {
  /** #{b : m_b > 0, ŷ_b = y_b = c}: kept and right. */
  correct: number[];
  /** #{b : m_b > 0, ŷ_b = c}: kept with pseudo label c (precision's denominator). */
  predicted: number[];
  /** #{b : m_b > 0, y_b = c}: kept samples of true class c (recall's denominator). */
  kept: number[];
  /** #{b : y_b = c}: samples of true class c in the batch, kept or not (coverage's denominator). */
  actual: number[];
}

/**
 * Per-class counts behind masked pseudo-label precision_c = correct_c / predicted_c, recall_c =
 * correct_c / kept_c and coverage_c = kept_c / actual_c (sum the counts over steps before dividing:
 * small classes have few samples per batch). pseudo, hidden, mask of length U; labels in [0, numClasses).
 */
export function pseudoLabelClassCounts(pseudo: NumberArray, hidden: NumberArray, mask: NumberArray, numClasses: number): PseudoLabelClassCounts {
  const fn = 'pseudoLabelClassCounts';
  checkSameLength(pseudo, 'pseudo', hidden, 'hidden', fn);
  checkSameLength(pseudo, 'pseudo', mask, 'mask', fn);
  check(Number.isInteger(numClasses) && numClasses >= 1, fn, () => `option 'numClasses' must be a positive integer, got ${numClasses}`);
  const zeros = (): number[] => new Array<number>(numClasses).fill(0);
  const out: PseudoLabelClassCounts = { correct: zeros(), predicted: zeros(), kept: zeros(), actual: zeros() };
  for (let i = 0; i < pseudo.length; i++) {
    const p = pseudo[i];
    const y = hidden[i];
    check(Number.isInteger(p) && p >= 0 && p < numClasses && Number.isInteger(y) && y >= 0 && y < numClasses, fn,
      () => `pseudo[${i}] = ${p} and hidden[${i}] = ${y} must be classes in [0, ${numClasses})`);
    out.actual[y]++;
    if (!(mask[i] > 0)) continue;
    out.kept[y]++;
    out.predicted[p]++;
    if (p === y) out.correct[p]++;
  }
  return out;
}

/** Step-log keys of pseudoLabelClassCounts: `pl.<count>.<class>`, e.g. `pl.correct.3`. */
export function pseudoLabelClassCountLogs(counts: PseudoLabelClassCounts): Record<string, number> {
  const logs: Record<string, number> = {};
  for (const key of ['correct', 'predicted', 'kept', 'actual'] as const) counts[key].forEach((n, c) => { logs[`pl.${key}.${c}`] = n; });
  return logs;
}
