import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pseudoLabelClassCountLogs, pseudoLabelClassCounts } from '../../src/metrics/sslDiagnostics';
import { TearArgumentError } from '../../src/util/checks';

describe('pseudoLabelClassCounts', () => {
  it('counts correct / predicted / kept / actual per class, by hand', () => {
    const pseudo = [0, 1, 1, 2, 0, 2];
    const hidden = [0, 1, 2, 2, 1, 0];
    const mask = [1, 1, 0, 1, 1, 0.5]; // any m > 0 keeps the sample
    // kept: (0→0 ✓), (1→1 ✓), (2→2 ✓), (true 1 → 0 ✗), (true 0 → 2 ✗); sample 2 (true 2) is dropped
    expect(pseudoLabelClassCounts(pseudo, hidden, mask, 3)).toEqual({
      correct: [1, 1, 1], predicted: [2, 1, 2], kept: [2, 2, 1], actual: [2, 2, 2],
    });
    expect(pseudoLabelClassCounts(Int32Array.from([1]), Int32Array.from([1]), Float32Array.from([0]), 4)).toEqual({
      correct: [0, 0, 0, 0], predicted: [0, 0, 0, 0], kept: [0, 0, 0, 0], actual: [0, 1, 0, 0],
    });
    expect(pseudoLabelClassCounts([], [], [], 2)).toEqual({ correct: [0, 0], predicted: [0, 0], kept: [0, 0], actual: [0, 0] });
  });

  it('its logs are pl.<count>.<class>', () => {
    const logs = pseudoLabelClassCountLogs({ correct: [1, 0], predicted: [2, 1], kept: [3, 0], actual: [4, 5] });
    expect(logs).toEqual({
      'pl.correct.0': 1, 'pl.correct.1': 0, 'pl.predicted.0': 2, 'pl.predicted.1': 1,
      'pl.kept.0': 3, 'pl.kept.1': 0, 'pl.actual.0': 4, 'pl.actual.1': 5,
    });
  });

  it('totals agree: Σactual = U, Σkept = Σpredicted = #{m > 0}, correct ≤ min(predicted, kept) (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.constantFrom(0, 0.3, 1)), { maxLength: 30 }), (rows) => {
      const c = pseudoLabelClassCounts(rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), 4);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(sum(c.actual)).toBe(rows.length);
      const kept = rows.filter((r) => r[2] > 0).length;
      expect(sum(c.kept)).toBe(kept);
      expect(sum(c.predicted)).toBe(kept);
      expect(sum(c.correct)).toBe(rows.filter((r) => r[2] > 0 && r[0] === r[1]).length);
      c.correct.forEach((n, k) => expect(n).toBeLessThanOrEqual(Math.min(c.predicted[k], c.kept[k])));
    }), { numRuns: 100 });
  });

  it('refuses different lengths and classes out of range, naming the arguments', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => pseudoLabelClassCounts([0, 1], [0], [1, 1], 2), /pseudoLabelClassCounts.*'pseudo'.*'hidden'/],
      [() => pseudoLabelClassCounts([0, 1], [0, 1], [1], 2), /pseudoLabelClassCounts.*'pseudo'.*'mask'/],
      [() => pseudoLabelClassCounts([0, 2], [0, 1], [1, 1], 2), /pseudo\[1\] = 2 and hidden\[1\] = 1 must be classes in \[0, 2\)/],
      [() => pseudoLabelClassCounts([0, 1], [0, -1], [1, 1], 2), /hidden\[1\] = -1/],
      [() => pseudoLabelClassCounts([0], [0], [1], 0), /option 'numClasses' must be a positive integer, got 0/],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(TearArgumentError);
      expect(f).toThrow(message);
    }
  });
});
