import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fixmatchLoss, maskedUnlabeledLoss } from '../../src/math/fixmatchLoss';
import { fixture } from '../fixtures/fixmatch_da/load';
import { expectClose, expectGradientMatches, expectNoLeak, values } from '../helpers/tensors';

describe('maskedUnlabeledLoss', () => {
  it('averages masked rows over all U (hand-computed)', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[1, 0], [0, 1], [1, 0]]);
      const z = tf.tensor2d([[0, Math.log(3)], [0, 0], [5, -5]]);
      const m = tf.tensor1d([1, 1, 0]);
      const loss = maskedUnlabeledLoss({ targets: t, strongLogits: z, mask: m });
      expectClose(values(loss), [(Math.log(4) + Math.log(2)) / 3], 1e-6);
      tf.dispose([t, z, m, loss]);
    });
  });

  it('gradient matches the numerical one', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[0.8, 0.1, 0.1], [0, 1, 0], [0.2, 0.2, 0.6]]);
      const z = tf.tensor2d([[1, -0.5, 0.3], [0.2, 0.1, -1], [2, 0, 1]]);
      const m = tf.tensor1d([1, 0, 1]);
      expectGradientMatches((x) => maskedUnlabeledLoss({ targets: t, strongLogits: x as tf.Tensor2D, mask: m }), z);
      tf.dispose([t, z, m]);
    });
  });

  it('an empty mask gives loss 0 and finite zero gradients', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[1, 0], [0, 1]]);
      const z = tf.tensor2d([[30, -30], [1, 2]]);
      const m = tf.zeros([2]) as tf.Tensor1D;
      const loss = maskedUnlabeledLoss({ targets: t, strongLogits: z, mask: m });
      expect(values(loss)).toEqual([0]);
      const g = tf.grad((x: tf.Tensor) => maskedUnlabeledLoss({ targets: t, strongLogits: x as tf.Tensor2D, mask: m }))(z);
      expect(values(g).every((v) => v === 0)).toBe(true);
      tf.dispose([t, z, m, loss, g]);
    });
  });

  it('rejects a mask of the wrong length or dtype, naming both arguments', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[1, 0]]);
      const z = tf.tensor2d([[1, 0]]);
      const m = tf.tensor1d([1, 1]);
      const mi = tf.tensor1d([1], 'int32');
      expect(() => maskedUnlabeledLoss({ targets: t, strongLogits: z, mask: m })).toThrow("tear-ssl.maskedUnlabeledLoss: 'mask' [2] dim 0 must equal 'strongLogits' [1,2] dim 0");
      expect(() => maskedUnlabeledLoss({ targets: t, strongLogits: z, mask: mi })).toThrow("argument 'mask' must have dtype float32, got int32");
      tf.dispose([t, z, m, mi]);
    });
  });
});

describe('fixmatchLoss', () => {
  it('builds one-hot targets, the ≥ τ mask, and the loss (hand-computed)', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[0.96, 0.04], [0.3, 0.7], [0.01, 0.99]]);
      const z = tf.tensor2d([[0, Math.log(3)], [0, 0], [0, 0]]);
      const out = fixmatchLoss({ weakProbs: q, strongLogits: z });
      expect(values(out.pseudoLabels)).toEqual([0, 1, 1]);
      expect(values(out.mask)).toEqual([1, 0, 1]);
      expect(values(out.targets)).toEqual([1, 0, 0, 1, 0, 1]);
      expectClose(values(out.loss), [(Math.log(4) + Math.log(2)) / 3], 1e-6);
      tf.dispose([q, z, out.loss, out.mask, out.pseudoLabels, out.targets]);
    });
  });

  it('reproduces the release arithmetic on the torch fixture (aligned probs → labels, mask, L_u)', async () => {
    await expectNoLeak(() => {
      for (const run of fixture.distributionAlignment) {
        for (const step of run.steps) {
          const q = tf.tensor2d(step.aligned);
          const z = tf.tensor2d(step.strongLogits);
          const out = fixmatchLoss({ weakProbs: q, strongLogits: z }, { threshold: fixture.threshold });
          expect(values(out.pseudoLabels)).toEqual(step.labels);
          expect(values(out.mask)).toEqual(step.mask);
          expectClose(values(out.loss), [step.lossU], 1e-5, 1e-5);
          tf.dispose([q, z, out.loss, out.mask, out.pseudoLabels, out.targets]);
        }
      }
    });
  });

  it('gives no gradient to weakProbs and the numerical gradient to strongLogits', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[0.97, 0.02, 0.01], [0.2, 0.5, 0.3]]);
      const z = tf.tensor2d([[0.1, 0.4, -0.2], [1, -1, 0.5]]);
      const gq = tf.grad((p: tf.Tensor) => fixmatchLoss({ weakProbs: p as tf.Tensor2D, strongLogits: z }, { threshold: 0.4 }).loss)(q);
      expect(values(gq).every((v) => v === 0)).toBe(true);
      expectGradientMatches((x) => fixmatchLoss({ weakProbs: q, strongLogits: x as tf.Tensor2D }, { threshold: 0.4 }).loss, z);
      tf.dispose([q, z, gq]);
    });
  });

  it('U = 0 gives loss 0, not NaN', async () => {
    await expectNoLeak(() => {
      const q = tf.zeros([0, 3]) as tf.Tensor2D;
      const z = tf.zeros([0, 3]) as tf.Tensor2D;
      const out = fixmatchLoss({ weakProbs: q, strongLogits: z });
      expect(values(out.loss)).toEqual([0]);
      expect(out.targets.shape).toEqual([0, 3]);
      tf.dispose([q, z, out.loss, out.mask, out.pseudoLabels, out.targets]);
    });
  });

  it('one class: every sample is confident and the loss is 0', async () => {
    await expectNoLeak(() => {
      const q = tf.ones([2, 1]) as tf.Tensor2D;
      const z = tf.tensor2d([[3], [-2]]);
      const out = fixmatchLoss({ weakProbs: q, strongLogits: z });
      expect(values(out.mask)).toEqual([1, 1]);
      expect(values(out.loss)).toEqual([0]);
      tf.dispose([q, z, out.loss, out.mask, out.pseudoLabels, out.targets]);
    });
  });

  it('rejects mismatched weakProbs and strongLogits, naming both shapes', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([[1, 0, 0]]);
      const z = tf.tensor2d([[1, 0], [0, 1]]);
      expect(() => fixmatchLoss({ weakProbs: q, strongLogits: z }))
        .toThrow("tear-ssl.fixmatchLoss: 'weakProbs' [1,3] and 'strongLogits' [2,2] must have the same shape");
      tf.dispose([q, z]);
    });
  });
});
