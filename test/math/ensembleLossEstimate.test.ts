import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ensembleLossEstimate } from '../../src/math/ensembleLossEstimate';
import { temporalEnsembleUncertainty } from '../../src/math/uncertaintyScores';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

const P = [[0.7, 0.2, 0.1], [0.3, 0.3, 0.4], [0.1, 0.8, 0.1]];
const R = [[0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]];

describe('ensembleLossEstimate', () => {
  it('is −log(α p̃_ŷ + (1−α) p_ŷ) at ŷ = argmax p, by hand', async () => {
    await expectNoLeak(() => {
      const referenceProbs = tf.tensor2d(R);
      const studentProbs = tf.tensor2d(P);
      // ŷ = [0, 2, 1]; ½(p̃ + p)_ŷ = [.45, .6, .8]
      const half = ensembleLossEstimate({ referenceProbs, studentProbs });
      expectClose(values(half), [-Math.log(0.45), -Math.log(0.6), -Math.log(0.8)], 1e-6);
      const studentOnly = ensembleLossEstimate({ referenceProbs, studentProbs }, { referenceWeight: 0 });
      expectClose(values(studentOnly), [-Math.log(0.7), -Math.log(0.4), -Math.log(0.8)], 1e-6);
      const u = temporalEnsembleUncertainty({ referenceProbs, studentProbs });
      expectClose(values(half), values(u).map((v) => -Math.log(1 - v)), 1e-6);
      tf.dispose([referenceProbs, studentProbs, half, studentOnly, u]);
    });
  });

  it('is finite for a zero probability and checks its arguments', () => {
    const zero = tf.tensor2d([[1, 0]]);
    const other = tf.tensor2d([[0, 1]]);
    const e = ensembleLossEstimate({ referenceProbs: other, studentProbs: zero }, { referenceWeight: 1 });
    expect(values(e)[0]).toBeCloseTo(-Math.log(1e-8), 3);
    expect(() => ensembleLossEstimate({ referenceProbs: zero, studentProbs: zero }, { referenceWeight: -0.1 })).toThrow(/ensembleLossEstimate.*referenceWeight/);
    expect(() => ensembleLossEstimate({ referenceProbs: tf.tensor2d([[1, 0, 0]]), studentProbs: zero })).toThrow(/ensembleLossEstimate/);
    tf.dispose([zero, other, e]);
  });
});
