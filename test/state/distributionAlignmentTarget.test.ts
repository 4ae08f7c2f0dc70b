import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { alignDistribution, distributionAlignmentInit, distributionAlignmentUpdate } from '../../src/state/distributionAlignment';
import { disposeState } from '../../src/state/serialize';
import { TearArgumentError } from '../../src/util/checks';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

describe('distribution alignment with a target π (ReMixMatch)', () => {
  it('q̂ = normalise(q·π / mean(queue)), by hand', async () => {
    await expectNoLeak(() => {
      const s0 = distributionAlignmentInit(3);
      const q = tf.tensor2d([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]]);
      const s1 = distributionAlignmentUpdate(s0, q); // queue mean (0.4, 0.25, 0.35)
      const prior = [0.5, 0.3, 0.2];
      const target = tf.tensor1d(prior);
      const a = alignDistribution(s1, q, { target });
      const mean = [0.4, 0.25, 0.35];
      const rows = [[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]].map((r) => {
        const w = r.map((v, c) => (v * prior[c]) / mean[c]);
        const s = w.reduce((x, y) => x + y, 0);
        return w.map((v) => v / s);
      });
      // row 0 by hand: (0.6·0.5/0.4, 0.3·0.3/0.25, 0.1·0.2/0.35) = (0.75, 0.36, 0.0571…)
      expectClose(rows[0].map((v) => v * (0.75 + 0.36 + 0.02 / 0.35)), [0.75, 0.36, 0.02 / 0.35], 1e-12);
      expectClose(values(a), rows.flat(), 1e-6);
      tf.dispose([q, target, a]);
      disposeState([s0, s1]);
    });
  });

  it('a uniform target gives the untargeted result; an empty queue is the identity with any target', async () => {
    await expectNoLeak(() => {
      const s0 = distributionAlignmentInit(4, { capacity: 3 });
      const q1 = tf.tensor2d([[0.7, 0.1, 0.1, 0.1], [0.4, 0.3, 0.2, 0.1]]);
      const q2 = tf.tensor2d([[0.1, 0.6, 0.2, 0.1]]);
      const s1 = distributionAlignmentUpdate(s0, q1);
      const s2 = distributionAlignmentUpdate(s1, q2);
      const uniform = tf.fill([4], 0.25) as tf.Tensor1D;
      const prior = tf.tensor1d([0.4, 0.3, 0.2, 0.1]);
      const plain = alignDistribution(s2, q1);
      const targeted = alignDistribution(s2, q1, { target: uniform });
      expectClose(values(targeted), values(plain), 1e-7);
      const empty = alignDistribution(s0, q1, { target: prior });
      expect(values(empty)).toEqual(values(q1));
      // the target moves the aligned marginal towards π: a non-uniform π changes the result
      const withPrior = alignDistribution(s2, q1, { target: prior });
      expect(Math.max(...values(withPrior).map((v, i) => Math.abs(v - values(plain)[i])))).toBeGreaterThan(1e-3);
      tf.dispose([q1, q2, uniform, prior, plain, targeted, empty, withPrior]);
      disposeState([s0, s1, s2]);
    });
  });

  it('a target of the wrong length, rank or dtype is refused, naming \'target\'', async () => {
    await expectNoLeak(() => {
      const s0 = distributionAlignmentInit(3);
      const q = tf.tensor2d([[0.6, 0.3, 0.1]]);
      const s1 = distributionAlignmentUpdate(s0, q);
      const t2 = tf.tensor1d([0.5, 0.5]);
      const t2d = tf.tensor2d([[0.5, 0.3, 0.2]]);
      const tInt = tf.tensor1d([1, 1, 1], 'int32');
      const cases: Array<[() => unknown, RegExp]> = [
        [() => alignDistribution(s1, q, { target: t2 }), /alignDistribution: 'target' \[2\] must have 3 entries/],
        [() => alignDistribution(s1, q, { target: t2d as unknown as tf.Tensor1D }), /argument 'target' must have rank 1/],
        [() => alignDistribution(s1, q, { target: tInt as tf.Tensor1D }), /argument 'target' must have dtype float32/],
      ];
      for (const [f, message] of cases) {
        expect(f).toThrow(TearArgumentError);
        expect(f).toThrow(message);
      }
      tf.dispose([q, t2, t2d, tInt]);
      disposeState([s0, s1]);
    });
  });
});
