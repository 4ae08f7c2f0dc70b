import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emaFromJSON, emaInit, emaMomentum, emaToJSON, emaUpdate, type EmaState } from '../../src/state/ema';
import { disposeState } from '../../src/state/serialize';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

const isBatchNormStatistic = (name: string): boolean => /moving_(mean|variance)$/.test(name);

describe('emaMomentum', () => {
  it('is m without warm-up and min(m, (1 + k)/(10 + k)) with it', () => {
    expect(emaMomentum(0, 0.999, false)).toBe(0.999);
    expect(emaMomentum(0, 0.999, true)).toBeCloseTo(0.1, 12);
    expect(emaMomentum(10, 0.999, true)).toBeCloseTo(11 / 20, 12);
    expect(emaMomentum(100000, 0.999, true)).toBe(0.999);
    expect(emaMomentum(5, 0.3, true)).toBe(0.3);
    expect(() => emaMomentum(-1, 0.9, true)).toThrow("tear-ssl.emaMomentum: option 'step' must be >= 0");
    expect(() => emaMomentum(0, 1.5, false)).toThrow("option 'momentum' must be <= 1");
  });

  it('warm-up momentum is non-decreasing in k and never above m (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), (k, m) => {
      const a = emaMomentum(k, m, true);
      expect(a).toBeLessThanOrEqual(m);
      expect(emaMomentum(k + 1, m, true)).toBeGreaterThanOrEqual(a);
    }));
  });
});

describe('ema state', () => {
  it('averages θ̃ ← mθ̃ + (1 − m)θ, copies batch-norm statistics, counts steps (hand-computed)', async () => {
    await expectNoLeak(() => {
      const init = { 'conv/kernel': tf.tensor1d([1, 2]), 'bn/moving_mean': tf.tensor1d([0, 0]) };
      const s0 = emaInit(init);
      tf.dispose(Object.values(init));
      const student = { 'conv/kernel': tf.tensor1d([3, 6]), 'bn/moving_mean': tf.tensor1d([5, 7]) };
      const s1 = emaUpdate(s0, student, { momentum: 0.9, copy: isBatchNormStatistic });
      expectClose(values(s1.weights['conv/kernel']), [0.9 * 1 + 0.1 * 3, 0.9 * 2 + 0.1 * 6], 1e-6);
      expect(values(s1.weights['bn/moving_mean'])).toEqual([5, 7]);
      expect(s1.step).toBe(1);
      expect(values(s0.weights['conv/kernel'])).toEqual([1, 2]);
      const s2 = emaUpdate(s1, student, { momentum: 0.9, warmup: true });
      // warm-up at k = 1: min(0.9, 2/11).
      const m = 2 / 11;
      expectClose(values(s2.weights['conv/kernel']), [m * 1.2 + (1 - m) * 3, m * 2.4 + (1 - m) * 6], 1e-6);
      tf.dispose(Object.values(student));
      disposeState([s0, s1, s2]);
    });
  });

  it('momentum 0 gives exactly the previous step’s student weights', async () => {
    await expectNoLeak(() => {
      let state: EmaState = (() => {
        const w = { a: tf.tensor2d([[0.1, -0.2], [0.3, 0.4]]) };
        const s = emaInit(w);
        tf.dispose(w.a);
        return s;
      })();
      const students = [[[1.1, 2.2], [3.3, 4.4]], [[-7.7, 1e-7], [0.123456, 9]]];
      for (const st of students) {
        const student = { a: tf.tensor2d(st) };
        const next = emaUpdate(state, student, { momentum: 0 });
        disposeState(state);
        state = next;
        expect(values(state.weights.a)).toEqual(values(student.a));
        tf.dispose(student.a);
      }
      disposeState(state);
    });
  });

  it('does not grow the tensor count over many updates and is pure', async () => {
    await expectNoLeak(() => {
      const w = { a: tf.zeros([3]), b: tf.ones([2, 2]) };
      let state = emaInit(w);
      for (let i = 0; i < 20; i++) {
        const next = emaUpdate(state, w, { warmup: true });
        expect(state.weights.a.isDisposed).toBe(false);
        disposeState(state);
        state = next;
      }
      expect(state.step).toBe(20);
      tf.dispose(Object.values(w));
      disposeState(state);
    });
  });

  it('round-trips through JSON', async () => {
    await expectNoLeak(async () => {
      const w = { 'dense/kernel': tf.tensor2d([[1.5, -2.25]]), 'bn/moving_variance': tf.tensor1d([0.5]) };
      const s0 = emaInit(w);
      const s1 = emaUpdate(s0, w, { momentum: 0.5 });
      const back = emaFromJSON(JSON.parse(JSON.stringify(await emaToJSON(s1))));
      expect(back.step).toBe(1);
      expect(Object.keys(back.weights)).toEqual(Object.keys(s1.weights));
      for (const name of Object.keys(w)) {
        expect(back.weights[name].shape).toEqual(s1.weights[name].shape);
        expect(values(back.weights[name])).toEqual(values(s1.weights[name]));
      }
      tf.dispose(Object.values(w));
      disposeState([s0, s1, back]);
    });
  });

  it('fromJSON names the field at fault', async () => {
    await expectNoLeak(() => {
      const ok = { shape: [1], dtype: 'float32' as const, values: [1] };
      expect(() => emaFromJSON({ step: -1, weights: {} })).toThrow("tear-ssl.emaFromJSON: option 'step' must be >= 0");
      expect(() => emaFromJSON({ step: 0, weights: { good: ok, bad: { shape: [2], dtype: 'float32', values: [1] } } }))
        .toThrow("field 'weights.bad' has shape [2] (2 values) but 1 values");
    });
  });

  it('rejects a student with missing, extra or reshaped weights', async () => {
    await expectNoLeak(() => {
      const w = { a: tf.zeros([2]) };
      const s = emaInit(w);
      const wrong = { a: tf.zeros([3]) };
      const extra = { a: w.a, b: w.a };
      expect(() => emaUpdate(s, {})).toThrow("tear-ssl.emaUpdate: 'student' is missing weight 'a'");
      expect(() => emaUpdate(s, extra)).toThrow("'student.b' has no average in 'state.weights'");
      expect(() => emaUpdate(s, wrong)).toThrow("'student.a' [3] and 'state.weights.a' [2] must have the same shape");
      tf.dispose([w.a, wrong.a]);
      disposeState(s);
    });
  });
});
