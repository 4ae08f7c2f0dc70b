import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ensembleLossEstimate } from '../../src/math/ensembleLossEstimate';
import {
  ADAPL_ESTIMATORS, LOSS_ESTIMATE_CANDIDATES, LOSS_ESTIMATORS, lossEstimate, lossEstimateCandidates,
  type AdaplEstimator, type LossEstimateCandidate,
} from '../../src/math/estimators';
import { estimateUnlabeledLoss } from '../../src/math/lossEstimator';
import { TearArgumentError } from '../../src/util/checks';
import { expectNoLeak } from '../helpers/tensors';

/** Issue 18, point 5: one table maps estimator names to functions; the name lists, their types and the dispatch read it. */
describe('LOSS_ESTIMATORS, the one table of estimator names', () => {
  it('the name lists derive from it, in the order records and config files use', () => {
    expect([...ADAPL_ESTIMATORS]).toEqual(['temporal', 'ensemble', 'confidence']);
    expect([...LOSS_ESTIMATE_CANDIDATES]).toEqual([
      'kl', 'kl+entropy', 'mse', 'mse+entropy', 'emd', 'emd+entropy', 'naive', 'referenceNaive', 'ensemble', 'referenceOnLabel',
    ]);
    expect(Object.keys(LOSS_ESTIMATORS).sort()).toEqual([...new Set([...ADAPL_ESTIMATORS, ...LOSS_ESTIMATE_CANDIDATES])].sort());
    for (const entry of Object.values(LOSS_ESTIMATORS)) expect(entry.summary.length).toBeGreaterThan(0);
  });

  it('the types derive from it too', () => {
    const trainable: AdaplEstimator[] = ['temporal', 'ensemble', 'confidence'];
    const candidates: LossEstimateCandidate[] = [...LOSS_ESTIMATE_CANDIDATES];
    // @ts-expect-error 'kl' is a study score, not a name adapl.estimator accepts
    const notTrainable: AdaplEstimator = 'kl';
    // @ts-expect-error 'temporal' has no study score
    const notScored: LossEstimateCandidate = 'temporal';
    expect([trainable.length, candidates.length, notTrainable, notScored]).toEqual([3, 10, 'kl', 'temporal']);
  });

  it('lossEstimate dispatches by name and gives exactly what the functions give', async () => {
    await expectNoLeak(() => tf.tidy(() => {
      const inputs = { referenceProbs: tf.tensor2d([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]]), studentProbs: tf.tensor2d([[0.5, 0.4, 0.1], [0.1, 0.3, 0.6]]) };
      const same = (a: tf.Tensor, b: tf.Tensor) => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      same(lossEstimate(inputs), estimateUnlabeledLoss(inputs));
      same(lossEstimate(inputs, { estimator: 'temporal', distance: 'emd', entropy: false }), estimateUnlabeledLoss(inputs, { distance: 'emd', entropy: false }));
      same(lossEstimate(inputs, { estimator: 'ensemble' }), ensembleLossEstimate(inputs, { referenceWeight: 0.5 }));
      same(lossEstimate(inputs, { estimator: 'confidence' }), ensembleLossEstimate(inputs, { referenceWeight: 0 }));
      const scores = lossEstimateCandidates(inputs);
      expect(Object.keys(scores)).toEqual([...LOSS_ESTIMATE_CANDIDATES]);
      same(scores['kl+entropy'], estimateUnlabeledLoss(inputs));
      expect(() => lossEstimate(inputs, { estimator: 'kl' as AdaplEstimator })).toThrow(TearArgumentError);
      expect(() => lossEstimate(inputs, { estimator: 'kl' as AdaplEstimator })).toThrow("option 'estimator'");
    }));
  });
});
