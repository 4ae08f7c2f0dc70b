import { describe, expect, it } from 'vitest';
import { constantLearningRate, cosineLearningRate } from '../../src/training/schedules';

describe('cosineLearningRate', () => {
  it('matches lr·cos(7πk/(16K)) at hand-computed steps', () => {
    const opts = { learningRate: 0.03, totalSteps: 1000 };
    // cos(0) = 1; k = 500: cos(7π/32) = 0.773010453362737; k = K: cos(7π/16) = 0.195090322016128.
    expect(cosineLearningRate(0, opts)).toBeCloseTo(0.03, 12);
    expect(cosineLearningRate(500, opts)).toBeCloseTo(0.03 * 0.773010453362737, 12);
    expect(cosineLearningRate(1000, opts)).toBeCloseTo(0.03 * 0.195090322016128, 12);
    expect(cosineLearningRate(250, opts)).toBeCloseTo(0.03 * Math.cos((7 * Math.PI * 250) / 16000), 12);
  });

  it('is clamped past K and decreasing over [0, K]', () => {
    const opts = { learningRate: 1, totalSteps: 10 };
    expect(cosineLearningRate(25, opts)).toBe(cosineLearningRate(10, opts));
    for (let k = 1; k <= 10; k++) expect(cosineLearningRate(k, opts)).toBeLessThan(cosineLearningRate(k - 1, opts));
  });

  it('warms up linearly, then decays over the remaining K − W steps', () => {
    const opts = { learningRate: 0.1, totalSteps: 110, warmupSteps: 10 };
    expect(cosineLearningRate(0, opts)).toBe(0);
    expect(cosineLearningRate(5, opts)).toBeCloseTo(0.05, 12);
    expect(cosineLearningRate(10, opts)).toBeCloseTo(0.1, 12);
    expect(cosineLearningRate(60, opts)).toBeCloseTo(0.1 * Math.cos((7 * Math.PI * 0.5) / 16), 12);
  });

  it('rejects bad arguments with the option named', () => {
    expect(() => cosineLearningRate(-1, { learningRate: 1, totalSteps: 5 })).toThrow(/step/);
    expect(() => cosineLearningRate(0, { learningRate: 1, totalSteps: 0 })).toThrow(/totalSteps/);
    expect(() => cosineLearningRate(0, { learningRate: 1, totalSteps: 5, warmupSteps: 5 })).toThrow(/warmupSteps/);
  });

  it('constant schedule ignores the step', () => {
    expect(constantLearningRate(123, { learningRate: 0.5 })).toBe(0.5);
  });
});
