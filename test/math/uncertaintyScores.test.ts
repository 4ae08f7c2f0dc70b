import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { LOSS_ESTIMATE_CANDIDATES, lossEstimateCandidates } from '../../src/math/estimators';
import { estimateUnlabeledLoss } from '../../src/math/lossEstimator';
import { maxProbabilityUncertainty, temporalEnsembleUncertainty } from '../../src/math/uncertaintyScores';
import { TearArgumentError } from '../../src/util/checks';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

// Hand-worked rows: student p and reference p̃, 3 classes.
const P = [[0.7, 0.2, 0.1], [0.3, 0.3, 0.4], [0.1, 0.8, 0.1]];
const R = [[0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]];

describe('uncertainty scores', () => {
  it('maxProbabilityUncertainty is 1 − max p', async () => {
    await expectNoLeak(() => {
      const p = tf.tensor2d(P);
      const u = maxProbabilityUncertainty({ probs: p });
      expectClose(values(u), [0.3, 0.6, 0.2], 1e-6);
      tf.dispose([p, u]);
    });
  });

  it('temporalEnsembleUncertainty is 1 − (α p̃ + (1−α) p) at ŷ = argmax p', async () => {
    await expectNoLeak(() => {
      const p = tf.tensor2d(P);
      const r = tf.tensor2d(R);
      // ŷ = [0, 2, 1]; p_ŷ = [.7, .4, .8]; p̃_ŷ = [.2, .8, .8].
      const half = temporalEnsembleUncertainty({ referenceProbs: r, studentProbs: p });
      expectClose(values(half), [1 - 0.45, 1 - 0.6, 1 - 0.8], 1e-6);
      const ref = temporalEnsembleUncertainty({ referenceProbs: r, studentProbs: p }, { referenceWeight: 1 });
      expectClose(values(ref), [0.8, 0.2, 0.2], 1e-6);
      const stu = temporalEnsembleUncertainty({ referenceProbs: r, studentProbs: p }, { referenceWeight: 0 });
      const naive = maxProbabilityUncertainty({ probs: p });
      expectClose(values(stu), values(naive), 1e-7);
      tf.dispose([p, r, half, ref, stu, naive]);
    });
  });

  it('rejects a weight outside [0, 1] and mismatched shapes, naming the argument', () => {
    const p = tf.tensor2d(P);
    expect(() => temporalEnsembleUncertainty({ referenceProbs: p, studentProbs: p }, { referenceWeight: 1.5 })).toThrow(/temporalEnsembleUncertainty.*referenceWeight/);
    const q = tf.tensor2d([[0.5, 0.5]]);
    expect(() => temporalEnsembleUncertainty({ referenceProbs: q, studentProbs: p })).toThrow(TearArgumentError);
    expect(() => maxProbabilityUncertainty({ probs: tf.tensor1d([1]) as unknown as tf.Tensor2D })).toThrow(/maxProbabilityUncertainty.*probs/);
    tf.dispose([p, q]);
  });

  it('lossEstimateCandidates returns every named score, each equal to its definition', async () => {
    await expectNoLeak(() => {
      const p = tf.tensor2d(P);
      const r = tf.tensor2d(R);
      const all = lossEstimateCandidates({ referenceProbs: r, studentProbs: p });
      expect(Object.keys(all).sort()).toEqual([...LOSS_ESTIMATE_CANDIDATES].sort());
      const h = estimateUnlabeledLoss({ referenceProbs: r, studentProbs: p });
      // H(p̃, p) row 0 = −(.2 log .7 + .7 log .2 + .1 log .1)
      expectClose(values(all['kl+entropy']), values(h), 1e-6);
      expect(values(all['kl+entropy'])[0]).toBeCloseTo(-(0.2 * Math.log(0.7) + 0.7 * Math.log(0.2) + 0.1 * Math.log(0.1)), 5);
      expectClose(values(all.naive), [0.3, 0.6, 0.2], 1e-6);
      expectClose(values(all.referenceNaive), [0.3, 0.2, 0.2], 1e-6);
      expectClose(values(all.ensemble), [0.55, 0.4, 0.2], 1e-6);
      expectClose(values(all.referenceOnLabel), [0.8, 0.2, 0.2], 1e-6);
      // Row 2: p̃ = p, so every divergence is 0.
      for (const d of ['kl', 'mse', 'emd'] as const) expect(values(all[d])[2]).toBeCloseTo(0, 6);
      tf.dispose([p, r, h, ...Object.values(all)]);
    });
  });
});
