import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  marginalPredictionFromJSON, marginalPredictionInit, marginalPredictionToJSON, marginalPredictionUpdate, type MarginalPredictionState,
} from '../../src/state/marginalPrediction';
import { disposeState } from '../../src/state/serialize';
import { TearArgumentError } from '../../src/util/checks';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

describe('marginal prediction p̄ (DebiasPL eq. 5)', () => {
  it('starts at 1/C', async () => {
    await expectNoLeak(() => {
      const s = marginalPredictionInit(4);
      expect(s.marginal.shape).toEqual([4]);
      expectClose(values(s.marginal), [0.25, 0.25, 0.25, 0.25], 0);
      disposeState(s);
      expect(() => marginalPredictionInit(0)).toThrow(/marginalPredictionInit: option 'numClasses'/);
      expect(() => marginalPredictionInit(2.5)).toThrow(TearArgumentError);
    });
  });

  it('p̄ ← m·p̄ + (1 − m)·mean_b q_b, by hand', async () => {
    await expectNoLeak(() => {
      const s0 = marginalPredictionInit(3);
      const q = tf.tensor2d([[0.7, 0.2, 0.1], [0.5, 0.4, 0.1]]);
      // mean q = (0.6, 0.3, 0.1); m = 0.9: 0.9/3 + 0.1·(0.6, 0.3, 0.1) = (0.36, 0.33, 0.31)
      const s1 = marginalPredictionUpdate(s0, q, { momentum: 0.9 });
      expectClose(values(s1.marginal), [0.36, 0.33, 0.31], 1e-7);
      // m = 0: p̄ is the batch mean
      const s2 = marginalPredictionUpdate(s1, q, { momentum: 0 });
      expectClose(values(s2.marginal), [0.6, 0.3, 0.1], 1e-7);
      // the input state is neither changed nor disposed
      expect(s0.marginal.isDisposed).toBe(false);
      expectClose(values(s0.marginal), [1 / 3, 1 / 3, 1 / 3], 0);
      expectClose(values(s1.marginal), [0.36, 0.33, 0.31], 1e-7);
      tf.dispose(q);
      disposeState([s0, s1, s2]);
    });
  });

  it('k updates equal the float64 recursion and p̄ stays a distribution (property)', async () => {
    await expectNoLeak(() => {
      const batch = fc.array(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 4 })
        .map((rows) => rows.map((r) => { const t = r.reduce((a, b) => a + b, 0); return r.map((v) => v / t); }));
      fc.assert(fc.property(fc.array(batch, { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (batches, momentum) => {
        let state: MarginalPredictionState = marginalPredictionInit(3);
        let expected = [1 / 3, 1 / 3, 1 / 3];
        for (const b of batches) {
          const probs = tf.tensor2d(b);
          const next = marginalPredictionUpdate(state, probs, { momentum });
          disposeState(state);
          state = next;
          tf.dispose(probs);
          const mean = [0, 1, 2].map((c) => b.reduce((s, row) => s + row[c], 0) / b.length);
          expected = expected.map((p, c) => momentum * p + (1 - momentum) * mean[c]);
        }
        expectClose(values(state.marginal), expected, 1e-6, 1e-5);
        expect(Math.abs(values(state.marginal).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
        disposeState(state);
      }), { numRuns: 30 });
    });
  });

  it('an empty batch (U = 0) keeps p̄ (a copy, not NaN)', async () => {
    await expectNoLeak(() => {
      const s0 = marginalPredictionInit(2);
      const q = tf.tensor2d([[0.8, 0.2]]);
      const s1 = marginalPredictionUpdate(s0, q, { momentum: 0.5 });
      const empty = tf.zeros([0, 2]) as tf.Tensor2D;
      const s2 = marginalPredictionUpdate(s1, empty, { momentum: 0.5 });
      expect(values(s2.marginal)).toEqual(values(s1.marginal));
      expect(s2.marginal).not.toBe(s1.marginal);
      tf.dispose([q, empty]);
      disposeState([s0, s1, s2]);
    });
  });

  it('wrong shapes, NaN and out-of-range momentum give TearArgumentErrors naming the argument', async () => {
    await expectNoLeak(() => {
      const s = marginalPredictionInit(3);
      const q2 = tf.tensor2d([[0.5, 0.5]]);
      const q3 = tf.tensor2d([[0.2, 0.3, 0.5]]);
      const q1d = tf.tensor1d([0.2, 0.3, 0.5]);
      const cases: Array<[() => unknown, RegExp]> = [
        [() => marginalPredictionUpdate(s, q2, { momentum: 0.9 }), /marginalPredictionUpdate: 'probs' \[1,2\] must have 3 columns, like 'state.marginal' \[3\]/],
        [() => marginalPredictionUpdate(s, q1d as unknown as tf.Tensor2D, { momentum: 0.9 }), /argument 'probs' must have rank 2/],
        [() => marginalPredictionUpdate(s, q3, { momentum: NaN }), /option 'momentum' must be a finite number, got NaN/],
        [() => marginalPredictionUpdate(s, q3, { momentum: 1 }), /option 'momentum' must be < 1, got 1/],
        [() => marginalPredictionUpdate(s, q3, { momentum: -0.1 }), /option 'momentum' must be >= 0/],
        [() => marginalPredictionUpdate(s, q3, undefined as unknown as { momentum: number }), /option 'momentum'/],
        [() => marginalPredictionUpdate(null as unknown as MarginalPredictionState, q3, { momentum: 0.9 }), /argument 'state'/],
        [() => marginalPredictionUpdate({ marginal: q3 } as unknown as MarginalPredictionState, q3, { momentum: 0.9 }), /argument 'state.marginal' must have rank 1/],
      ];
      for (const [f, message] of cases) {
        expect(f).toThrow(TearArgumentError);
        expect(f).toThrow(message);
      }
      tf.dispose([q2, q3, q1d]);
      disposeState(s);
    });
  });

  it('round-trips through JSON exactly; a wrong length or a missing field is refused, naming the field', async () => {
    await expectNoLeak(async () => {
      const s0 = marginalPredictionInit(3);
      const q = tf.tensor2d([[0.123, 0.456, 0.421]]);
      const s1 = marginalPredictionUpdate(s0, q, { momentum: 0.37 });
      const json = JSON.parse(JSON.stringify(await marginalPredictionToJSON(s1)));
      const back = marginalPredictionFromJSON(json, 3);
      expect(values(back.marginal)).toEqual(values(s1.marginal));
      expect(() => marginalPredictionFromJSON(json, 4)).toThrow(/marginalPredictionFromJSON: field 'marginal' must be float32 \[4\], got \[3\]/);
      expect(() => marginalPredictionFromJSON({} as never, 3)).toThrow(TearArgumentError);
      expect(() => marginalPredictionFromJSON({} as never, 3)).toThrow(/marginalPredictionFromJSON: .*marginal/);
      expect(() => marginalPredictionFromJSON(null as never, 3)).toThrow(/expected an object/);
      tf.dispose(q);
      disposeState([s0, s1, back]);
    });
  });
});
