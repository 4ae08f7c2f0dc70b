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
