import { describe, expect, it } from 'vitest';
import { estimatorQuality } from '../../src/metrics/estimatorQuality';

describe('estimatorQuality', () => {
  it('is (1, 1) for a score that ranks the loss and separates wrong labels perfectly', () => {
    expect(estimatorQuality([0.1, 0.2, 0.9, 0.8], [1, 2, 9, 8], [false, false, true, true])).toEqual({ spearman: 1, auroc: 1 });
  });

  it('matches hand-computed values with ties and a reversed ranking', () => {
    // ranks of score: [1, 2.5, 2.5, 4]; ranks of loss: [4, 3, 2, 1] → ρ = −(…)/…; by hand: −0.9486832980505138
    const q = estimatorQuality([0, 1, 1, 2], [4, 3, 2, 1], [1, 0, 1, 0]);
    expect(q.spearman).toBeCloseTo(-0.9486832980505138, 12);
    // positives (wrong) at scores 0 and 1, negatives at 1 and 2: pairs (0<1), (0<2), (1=1 → ½), (1<2) → 0.5/4 = 0.125
    expect(q.auroc).toBeCloseTo(0.125, 12);
  });

  it('is NaN where undefined (no wrong label; constant score) and checks lengths', () => {
    expect(estimatorQuality([1, 2], [1, 2], [0, 0]).auroc).toBeNaN();
    expect(estimatorQuality([1, 1], [1, 2], [0, 1]).spearman).toBeNaN();
    expect(() => estimatorQuality([1, 2], [1], [0, 1])).toThrow(/estimatorQuality/);
  });
});
