import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { disposeState } from '../../src/state/serialize';
import {
  temporalMemoryFromJSON, temporalMemoryInit, temporalMemoryRead, temporalMemoryToJSON, temporalMemoryUpdate,
} from '../../src/state/temporalMemory';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

describe('temporal memory', () => {
  it('writes first visits directly and averages later ones (hand-computed)', async () => {
    await expectNoLeak(() => {
      const s0 = temporalMemoryInit(4, 2, { momentum: 0.6 });
      const i1 = tf.tensor1d([2, 0], 'int32');
      const p1 = tf.tensor2d([[0.9, 0.1], [0.2, 0.8]]);
      const s1 = temporalMemoryUpdate(s0, i1, p1);
      const i2 = tf.tensor1d([2, 3], 'int32');
      const p2 = tf.tensor2d([[0.4, 0.6], [0.5, 0.5]]);
      const s2 = temporalMemoryUpdate(s1, i2, p2);
      const all = tf.tensor1d([0, 1, 2, 3], 'int32');
      const r = temporalMemoryRead(s2, all);
      expect(values(r.seen)).toEqual([1, 0, 1, 1]);
      expectClose(values(r.probs), [0.2, 0.8, 0, 0, 0.6 * 0.9 + 0.4 * 0.4, 0.6 * 0.1 + 0.4 * 0.6, 0.5, 0.5], 1e-6);
      // purity: s0 and s1 unchanged (tfjs' cpu scatter writes into its input; the module copies first).
      expect(values(s0.probs).every((v) => v === 0)).toBe(true);
      expectClose(values(s1.probs), [0.2, 0.8, 0, 0, 0.9, 0.1, 0, 0], 1e-7);
      tf.dispose([i1, p1, i2, p2, all, r.probs, r.seen]);
      disposeState([s0, s1, s2]);
    });
  });

  it('read uses the fallback for rows never written', async () => {
    await expectNoLeak(() => {
      const s0 = temporalMemoryInit(3, 2);
      const i = tf.tensor1d([1], 'int32');
      const p = tf.tensor2d([[0.3, 0.7]]);
      const s1 = temporalMemoryUpdate(s0, i, p);
      const q = tf.tensor1d([0, 1], 'int32');
      const fb = tf.tensor2d([[0.5, 0.5], [1, 0]]);
      const r = temporalMemoryRead(s1, q, { fallback: fb });
      expectClose(values(r.probs), [0.5, 0.5, 0.3, 0.7], 1e-7);
      tf.dispose([i, p, q, fb, r.probs, r.seen]);
      disposeState([s0, s1]);
    });
  });

  it('an empty batch changes nothing; many updates do not grow the tensor count', async () => {
    await expectNoLeak(() => {
      let state = temporalMemoryInit(5, 3, { momentum: 0.5 });
      const empty = tf.zeros([0], 'int32') as tf.Tensor1D;
      const none = tf.zeros([0, 3]) as tf.Tensor2D;
      const same = temporalMemoryUpdate(state, empty, none);
      expect(values(same.probs)).toEqual(values(state.probs));
      disposeState(same);
      const idx = tf.tensor1d([4, 1], 'int32');
      const p = tf.tensor2d([[0.2, 0.3, 0.5], [1, 0, 0]]);
      for (let k = 0; k < 10; k++) {
        const next = temporalMemoryUpdate(state, idx, p);
        disposeState(state);
        state = next;
      }
      const r = temporalMemoryRead(state, idx);
      expectClose(values(r.probs), [0.2, 0.3, 0.5, 1, 0, 0], 1e-6);
      tf.dispose([empty, none, idx, p, r.probs, r.seen]);
      disposeState(state);
    });
  });

  it('round-trips through JSON', async () => {
    await expectNoLeak(async () => {
      const s0 = temporalMemoryInit(3, 2, { momentum: 0.75 });
      const i = tf.tensor1d([0, 2], 'int32');
      const p = tf.tensor2d([[0.25, 0.75], [0.5, 0.5]]);
      const s1 = temporalMemoryUpdate(s0, i, p);
      const back = temporalMemoryFromJSON(JSON.parse(JSON.stringify(await temporalMemoryToJSON(s1))));
      expect(back.momentum).toBe(0.75);
      expect(values(back.probs)).toEqual(values(s1.probs));
      expect(values(back.seen)).toEqual([1, 0, 1]);
      tf.dispose([i, p]);
      disposeState([s0, s1, back]);
    });
  });

  it('fromJSON names the field at fault and frees what it built', async () => {
    await expectNoLeak(() => {
      const probs = { shape: [2, 2], dtype: 'float32' as const, values: [0, 0, 0, 0] };
      expect(() => temporalMemoryFromJSON({ momentum: 0.5, probs, seen: { shape: [3], dtype: 'float32', values: [0, 0, 0] } }))
        .toThrow("tear-ssl.temporalMemoryFromJSON: field 'seen' must be float32 [2] to match 'probs' [2,2], got float32 [3]");
      expect(() => temporalMemoryFromJSON({ momentum: 2, probs, seen: probs })).toThrow("option 'momentum' must be <= 1");
      expect(() => temporalMemoryFromJSON({ momentum: 0.5, probs: { ...probs, values: [1] }, seen: probs }))
        .toThrow("field 'probs' has shape [2,2] (4 values) but 1 values");
    });
  });

  it('rejects float indices and probs of the wrong width, naming both shapes', async () => {
    await expectNoLeak(() => {
      const s = temporalMemoryInit(3, 2);
      const fi = tf.tensor1d([0]);
      const i = tf.tensor1d([0], 'int32');
      const p3 = tf.tensor2d([[0.2, 0.3, 0.5]]);
      expect(() => temporalMemoryRead(s, fi as tf.Tensor1D)).toThrow("tear-ssl.temporalMemoryRead: argument 'indices' must have dtype int32, got float32");
      expect(() => temporalMemoryUpdate(s, i, p3)).toThrow("'probs' [1,3] dim 1 must equal 'state.probs' [3,2] dim 1");
      tf.dispose([fi, i, p3]);
      disposeState(s);
    });
  });
});
