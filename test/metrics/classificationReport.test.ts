import { describe, expect, it } from 'vitest';
import { classificationReport } from '../../src/metrics/classificationReport';
import { balancedAccuracy } from '../../src/metrics/balancedAccuracy';
import { macroPrecisionRecallF1 } from '../../src/metrics/macroPrecisionRecallF1';
import { rocAucOneVsRest } from '../../src/metrics/rocAucOneVsRest';

describe('classificationReport', () => {
  it('agrees with the individual metrics and hand values', () => {
    const yTrue = [0, 1, 2, 0, 1];
    const probs = [[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.2, 0.2, 0.6], [0.4, 0.5, 0.1], [0.5, 0.3, 0.2]];
    const yPred = [0, 1, 2, 1, 0];
    const r = classificationReport(yTrue, probs, 3);
    expect(r.numSamples).toBe(5);
    expect(r.confusionMatrix).toEqual([[1, 1, 0], [1, 1, 0], [0, 0, 1]]);
    expect(r.accuracy).toBeCloseTo(3 / 5, 12);
    expect(r.balancedAccuracy).toBeCloseTo(balancedAccuracy(yTrue, yPred, 3), 12);
    expect(r.balancedAccuracy).toBeCloseTo((0.5 + 0.5 + 1) / 3, 12);
    const prf = macroPrecisionRecallF1(yTrue, yPred, 3);
    expect([r.macroPrecision, r.macroRecall, r.macroF1]).toEqual([prf.precision, prf.recall, prf.f1]);
    expect(r.rocAuc).toBeCloseTo(rocAucOneVsRest(yTrue, probs, 3), 12);
    expect(r.perClass.support).toEqual([2, 2, 1]);
    expect(r.perClass.accuracy).toEqual([0.5, 0.5, 1]);
  });

  it('breaks argmax ties towards the first class and handles empty input', () => {
    const r = classificationReport([1], [[0.5, 0.5]], 2);
    expect(r.confusionMatrix).toEqual([[0, 0], [1, 0]]);
    const e = classificationReport([], new Float32Array(0), 2);
    expect(e.accuracy).toBeNaN();
    expect(e.rocAuc).toBeNaN();
    expect(e.confusionMatrix).toEqual([[0, 0], [0, 0]]);
  });
});
