import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { estimateUnlabeledLoss } from '../../src/math/lossEstimator';
import { relaxPseudoLabels } from '../../src/math/relaxPseudoLabels';
import { temporalMemoryInit, temporalMemoryRead, temporalMemoryUpdate } from '../../src/state/temporalMemory';
import { disposeState } from '../../src/state/serialize';
import { TearArgumentError } from '../../src/util/checks';
import { expectNoLeak } from '../helpers/tensors';

/** Runs fn, expects a TearArgumentError, returns its message. */
function argumentError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TearArgumentError);
    return (e as Error).message;
  }
  return expect.fail('no error thrown');
}

describe('value checks of the pure functions (issue 10, class 6)', () => {
  it('estimateUnlabeledLoss refuses a probability row with a negative entry, naming argument and index', async () => {
    await expectNoLeak(() => {
      const good = tf.tensor2d([[0.5, 0.5], [0.9, 0.1]]);
      const bad = tf.tensor2d([[0.5, 0.5], [-0.2, 1]]);
      expect(argumentError(() => estimateUnlabeledLoss({ referenceProbs: bad, studentProbs: good })))
        .toBe("tear-ssl.estimateUnlabeledLoss: argument 'referenceProbs' [2,2] has -0.20000000298023224 at index [1,0], outside [0, 1.0001]");
      expect(argumentError(() => estimateUnlabeledLoss({ referenceProbs: good, studentProbs: bad }))).toMatch(/argument 'studentProbs' \[2,2\] has -0\.2\d* at index \[1,0\]/);
      // a valid pair still gives H(p̃, p) = −Σ p̃ log p: row 0: −log 0.5
      const est = estimateUnlabeledLoss({ referenceProbs: good, studentProbs: good });
      expect(est.dataSync()[0]).toBeCloseTo(Math.log(2), 6);
      tf.dispose([good, bad, est]);
    });
  });

  it('relaxPseudoLabels refuses a label outside [0, C) (its row would not sum to 1)', async () => {
    await expectNoLeak(() => {
      const weights = tf.tensor1d([0.8, 0.8, 0.8]);
      for (const [label, message] of [[3, 'has 3 at index [1], outside [0, 3)'], [-1, 'has -1 at index [1], outside [0, 3)']] as const) {
        const labels = tf.tensor1d([0, label, 2], 'int32');
        expect(argumentError(() => relaxPseudoLabels({ pseudoLabels: labels, weights }, { numClasses: 3 }))).toBe(`tear-ssl.relaxPseudoLabels: argument 'pseudoLabels' [3] ${message}`);
        labels.dispose();
      }
      const labels = tf.tensor1d([0, 2, 2], 'int32');
      const q = relaxPseudoLabels({ pseudoLabels: labels, weights }, { numClasses: 3 });
      expect(Array.from(tf.tidy(() => tf.sum(q, 1).dataSync())).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([1, 1, 1]);
      tf.dispose([weights, labels, q]);
    });
  });

  it('temporalMemoryRead and temporalMemoryUpdate name an index out of range instead of a raw GatherV2 error', async () => {
    await expectNoLeak(() => {
      const state = temporalMemoryInit(4, 2);
      const indices = tf.tensor1d([1, 4], 'int32');
      expect(argumentError(() => temporalMemoryRead(state, indices))).toBe("tear-ssl.temporalMemoryRead: argument 'indices' [2] has 4 at index [1], outside [0, 4)");
      const probs = tf.tensor2d([[0.5, 0.5], [0.5, 0.5]]);
      expect(argumentError(() => temporalMemoryUpdate(state, indices, probs))).toMatch(/^tear-ssl\.temporalMemoryUpdate: argument 'indices' \[2\] has 4 at index \[1\]/);
      const ok = tf.tensor1d([0, 3], 'int32');
      const read = temporalMemoryRead(state, ok);
      expect(Array.from(read.seen.dataSync())).toEqual([0, 0]);
      tf.dispose([indices, probs, ok, read.probs, read.seen]);
      disposeState(state);
    });
  });
});
