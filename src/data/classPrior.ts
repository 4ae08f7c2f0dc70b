import { check } from '../util/checks';

/**
 * The class marginal π_c = n_c / N of `labels` (int labels in [0, numClasses)), as a plain array that
 * sums to 1: the `classPrior` of TrainerConfig (distribution alignment to the labeled marginal, the
 * logit-adjusted loss). Throws, naming the class, when a class has no sample (π_c = 0 has no logarithm).
 */
export function classPriorOf(labels: ArrayLike<number>, numClasses: number): number[] {
  const fn = 'classPriorOf';
  check(Number.isInteger(numClasses) && numClasses >= 1, fn, () => `option 'numClasses' must be a positive integer, got ${numClasses}`);
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    check(Number.isInteger(y) && y >= 0 && y < numClasses, fn, () => `labels[${i}] = ${y} is out of range [0, ${numClasses})`);
    counts[y]++;
  }
  counts.forEach((n, c) => check(n > 0, fn, () => `class ${c} has no labeled sample, so its prior would be 0 (log π undefined)`));
  return counts.map((n) => n / labels.length);
}
