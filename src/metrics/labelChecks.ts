import { check, checkNumber } from '../util/checks';

/** A label or score vector: a plain array or any typed array. */
export type NumberArray = ArrayLike<number>;

/** Checks `numClasses` is an integer ≥ 1. */
export function checkNumClasses(numClasses: unknown, fn: string): asserts numClasses is number {
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
}

/** Checks every entry of `labels` is an integer class index in [0, numClasses). */
export function checkLabels(labels: NumberArray, name: string, fn: string, numClasses: number): void {
  check(labels != null && typeof labels.length === 'number', fn, () => `argument '${name}' must be an array of class indices`);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    check(Number.isInteger(v) && v >= 0 && v < numClasses, fn,
      () => `argument '${name}'[${i}] = ${v} is not a class index in [0, ${numClasses})`);
  }
}

/** Checks two arrays have the same length, naming both. */
export function checkSameLength(a: NumberArray, aName: string, b: NumberArray, bName: string, fn: string): void {
  check(a.length === b.length, fn, () => `'${aName}' (length ${a.length}) and '${bName}' (length ${b.length}) must have the same length`);
}
