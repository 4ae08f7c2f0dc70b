import { deriveSeed } from '../state/random';
import { check, checkNumber } from '../util/checks';
import { seededPermutation } from './permutation';

/*
 * Splits of a training set into labeled, validation and unlabeled parts: pure (the page uses it);
 * split files (writeSplit, readSplit) are Node-only, in splits.ts.
 */

/**
 * A partition of a training set's sample indices into labeled, validation and unlabeled parts
 * (disjoint, each sorted ascending, together every index exactly once).
 */
export interface DataSplit {
  dataset: string;
  seed: number;
  numClasses: number;
  labeled: Int32Array;
  validation: Int32Array;
  unlabeled: Int32Array;
}

/** How makeSplit spreads a total over classes. */
export const SPLIT_ALLOCATIONS = ['balanced', 'stratified'] as const;
/** 'balanced': ⌊total/C⌋ per class; 'stratified': in proportion to each class's size, at least one each. */
export type SplitAllocation = (typeof SPLIT_ALLOCATIONS)[number];

/** Options of makeSplit: labeled and validation counts, how they are spread over classes, seed, number of classes. */
export interface MakeSplitOptions {
  /** Labeled samples in total, spread over classes by `allocation`. */
  numLabeled: number;
  /** Validation samples in total, spread the same way (default 0). */
  numValidation?: number;
  /**
   * 'balanced' (default): ⌊total/C⌋ per class, the remainder one each to seed-chosen classes.
   * 'stratified': in proportion to the class sizes (a long-tailed pool gives long-tailed parts), at least
   * one per class; see stratifiedQuotas.
   */
  allocation?: SplitAllocation;
  seed: number;
  numClasses: number;
  /** Name recorded in the split file (default 'unnamed'). */
  dataset?: string;
}

/** Purpose keys for deriveSeed, so the class shuffles and the remainder draws never share a stream. */
const CLASS_ORDER_KEY = 1;
const LABELED_REMAINDER_KEY = 2;
const VALIDATION_REMAINDER_KEY = 3;

/** Per-class quotas summing to `total`: ⌊total/C⌋ each, plus one for the first total mod C classes of a seeded class order. */
function balancedQuotas(total: number, numClasses: number, seed: number): number[] {
  const quotas = new Array<number>(numClasses).fill(Math.floor(total / numClasses));
  const extra = seededPermutation(Array.from({ length: numClasses }, (_, c) => c), seed);
  for (let i = 0; i < total % numClasses; i++) quotas[extra[i]]++;
  return quotas;
}

/**
 * Per-class quotas summing to `total`, in proportion to `sizes` (largest-remainder rounding), at least
 * one per class: q_c = max(1, ⌊total·n_c/N⌋); the shortfall goes one each to the classes with the largest
 * remainders total·n_c/N − q_c (ties in a seeded class order); an excess (from the minimum of one) is
 * taken one each from the classes with the largest quotas. Throws when total < C or a class is empty.
 */
export function stratifiedQuotas(total: number, sizes: readonly number[], seed: number): number[] {
  const fn = 'stratifiedQuotas';
  const numClasses = sizes.length;
  check(total >= numClasses || total === 0, fn, () => `a stratified split of ${total} needs at least one sample per class (≥ ${numClasses})`);
  if (total === 0) return new Array<number>(numClasses).fill(0);
  const n = sizes.reduce((a, b) => a + b, 0);
  sizes.forEach((s, c) => check(s > 0, fn, () => `class ${c} has no samples`));
  const ideal = sizes.map((s) => (total * s) / n);
  const quotas = ideal.map((x) => Math.max(1, Math.floor(x)));
  const order = Array.from(seededPermutation(Array.from({ length: numClasses }, (_, c) => c), seed));
  const rank = new Map(order.map((c, i) => [c, i]));
  let sum = quotas.reduce((a, b) => a + b, 0);
  const byRemainder = [...order].sort((a, b) => (ideal[b] - quotas[b]) - (ideal[a] - quotas[a]) || (rank.get(a) as number) - (rank.get(b) as number));
  for (let i = 0; sum < total; i = (i + 1) % numClasses, sum++) quotas[byRemainder[i]]++;
  while (sum > total) {
    const c = order.reduce((best, k) => (quotas[k] > quotas[best] ? k : best), order[0]);
    quotas[c]--;
    sum--;
  }
  return quotas;
}

/**
 * Split of the samples whose labels are given, class-balanced or stratified (`allocation`). Each class's samples are shuffled with
 * deriveSeed(seed, 1, class); the first quota go to `labeled`, the next to `validation`, the rest to
 * `unlabeled` (unlabeled = every index in neither labeled nor validation; the labeled samples are not
 * repeated there). Deterministic for a seed. Throws when a class has too few samples.
 */
export function makeSplit(labels: Int32Array, options: MakeSplitOptions): DataSplit {
  const fn = 'makeSplit';
  check(labels instanceof Int32Array, fn, () => 'argument \'labels\' must be an Int32Array');
  const { numLabeled, numValidation = 0, seed, numClasses, dataset = 'unnamed', allocation = 'balanced' } = options;
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
  checkNumber(numLabeled, 'numLabeled', fn, { min: 0, integer: true });
  checkNumber(numValidation, 'numValidation', fn, { min: 0, integer: true });
  checkNumber(seed, 'seed', fn, { integer: true });
  check(typeof dataset === 'string', fn, () => 'option \'dataset\' must be a string');
  check((SPLIT_ALLOCATIONS as readonly string[]).includes(allocation), fn, () => `option 'allocation' must be one of ${SPLIT_ALLOCATIONS.join(', ')}, got ${String(allocation)}`);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    check(label >= 0 && label < numClasses, fn, () => `labels[${i}] = ${label} is out of range [0, ${numClasses})`);
    byClass[label].push(i);
  }
  const quotas = (total: number, key: number): number[] => (allocation === 'balanced'
    ? balancedQuotas(total, numClasses, deriveSeed(seed, key))
    : stratifiedQuotas(total, byClass.map((xs) => xs.length), deriveSeed(seed, key)));
  const labeledQuota = quotas(numLabeled, LABELED_REMAINDER_KEY);
  const validationQuota = quotas(numValidation, VALIDATION_REMAINDER_KEY);
  const labeled: number[] = [];
  const validation: number[] = [];
  const unlabeled: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const need = labeledQuota[c] + validationQuota[c];
    check(byClass[c].length >= need, fn, () =>
      `class ${c} has ${byClass[c].length} samples, needs ${need} (labeled ${labeledQuota[c]} + validation ${validationQuota[c]})`);
    const order = seededPermutation(byClass[c], deriveSeed(seed, CLASS_ORDER_KEY, c));
    labeled.push(...order.subarray(0, labeledQuota[c]));
    validation.push(...order.subarray(labeledQuota[c], need));
    unlabeled.push(...order.subarray(need));
  }
  const sorted = (xs: number[]) => Int32Array.from(xs).sort();
  return { dataset, seed, numClasses, labeled: sorted(labeled), validation: sorted(validation), unlabeled: sorted(unlabeled) };
}
