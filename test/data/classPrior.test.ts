import { describe, expect, it } from 'vitest';
import { classPriorOf } from '../../src/data/classPrior';
import { TearArgumentError } from '../../src/util/checks';

describe('classPriorOf', () => {
  it('is n_c / N (by hand) and sums to 1', () => {
    expect(classPriorOf([0, 0, 1, 2, 2, 2], 3)).toEqual([2 / 6, 1 / 6, 3 / 6]);
    expect(classPriorOf(Int32Array.from([1, 0]), 2)).toEqual([0.5, 0.5]);
    const isic = [234, 39, 38, 18, 12, 5, 4].flatMap((n, c) => new Array<number>(n).fill(c));
    const prior = classPriorOf(isic, 7);
    expect(prior).toEqual([234, 39, 38, 18, 12, 5, 4].map((n) => n / 350));
    expect(Math.abs(prior.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
  });

  it('refuses a class without samples (naming it), labels out of range and a bad numClasses', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => classPriorOf([0, 0, 2], 3), /classPriorOf: class 1 has no labeled sample, so its prior would be 0/],
      [() => classPriorOf([], 2), /class 0 has no labeled sample/],
      [() => classPriorOf([0, 3], 3), /labels\[1\] = 3 is out of range \[0, 3\)/],
      [() => classPriorOf([0, 0.5], 3), /labels\[1\] = 0.5 is out of range/],
      [() => classPriorOf([0, NaN], 3), /labels\[1\] = NaN is out of range/],
      [() => classPriorOf([0], 0), /option 'numClasses' must be a positive integer, got 0/],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(TearArgumentError);
      expect(f).toThrow(message);
    }
  });
});
