import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignDistribution, distributionAlignmentFromJSON, distributionAlignmentInit, distributionAlignmentToJSON,
  distributionAlignmentUpdate, type DistributionAlignmentState,
} from '../../src/state/distributionAlignment';
import { disposeState } from '../../src/state/serialize';
import { fixture } from '../fixtures/fixmatch_da/load';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

describe('distribution alignment', () => {
  it('is the identity while the queue is empty', async () => {
    await expectNoLeak(() => {
      const s = distributionAlignmentInit(3);
      const q = tf.tensor2d([[0.2, 0.3, 0.5]]);
      const a = alignDistribution(s, q);
      expect(values(a)).toEqual(values(q));
      tf.dispose([q, a]);
      disposeState(s);
    });
  });

  it('divides by the queue mean and renormalises (hand-computed)', async () => {
    await expectNoLeak(() => {
      const s0 = distributionAlignmentInit(2);
      const q = tf.tensor2d([[0.8, 0.2], [0.6, 0.4]]);
      const s1 = distributionAlignmentUpdate(s0, q);
      // queue mean (0.7, 0.3); row 0: (0.8/0.7, 0.2/0.3) normalised.
      const a = alignDistribution(s1, q);
      const r0 = [0.8 / 0.7, 0.2 / 0.3];
      const r1 = [0.6 / 0.7, 0.4 / 0.3];
      const n = (r: number[]) => r.map((v) => v / (r[0] + r[1]));
      expectClose(values(a), [...n(r0), ...n(r1)], 1e-6);
      expect(s0.queue.shape).toEqual([0, 2]);
      tf.dispose([q, a]);
      disposeState([s0, s1]);
    });
  });

  it('reproduces the release queue (32 and 4 long) step by step on the torch fixture', async () => {
    await expectNoLeak(() => {
      for (const run of fixture.distributionAlignment) {
        let state: DistributionAlignmentState = distributionAlignmentInit(run.numClasses, { capacity: run.capacity });
        for (const step of run.steps) {
          const probs = tf.tensor2d(step.probs);
          const next = distributionAlignmentUpdate(state, probs);
          disposeState(state);
          state = next;
          expect(state.queue.shape[0]).toBe(step.queueLength);
          const mean = tf.mean(state.queue, 0);
          expectClose(values(mean), step.queueMean, 1e-6, 1e-5);
          const aligned = alignDistribution(state, probs);
          expectClose(values(aligned), step.aligned.flat(), 2e-6, 2e-5);
          tf.dispose([probs, mean, aligned]);
        }
        disposeState(state);
      }
    });
  });

  it('aligned rows sum to 1 (property)', async () => {
    await expectNoLeak(() => {
      const rows = fc.array(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 5 })
        .map((m) => m.map((r) => { const t = r.reduce((a, b) => a + b, 0); return r.map((v) => v / t); }));
      fc.assert(fc.property(fc.array(rows, { minLength: 1, maxLength: 6 }), (batches) => {
        let state = distributionAlignmentInit(4, { capacity: 3 });
        for (const b of batches) {
          const probs = tf.tensor2d(b);
          const next = distributionAlignmentUpdate(state, probs);
          disposeState(state);
          state = next;
          const a = alignDistribution(state, probs);
          for (const row of a.arraySync()) expect(Math.abs(row.reduce((x, y) => x + y, 0) - 1)).toBeLessThan(1e-6);
          tf.dispose([probs, a]);
        }
        expect(state.queue.shape[0]).toBe(Math.min(3, batches.length));
        disposeState(state);
      }), { numRuns: 30 });
    });
  });

  it('update is pure: the old state keeps its values and is not disposed; an empty batch pushes nothing', async () => {
    await expectNoLeak(() => {
      const s0 = distributionAlignmentInit(2, { capacity: 2 });
      const p = tf.tensor2d([[0.9, 0.1]]);
      const s1 = distributionAlignmentUpdate(s0, p);
      const s2 = distributionAlignmentUpdate(s1, p);
      const p2 = tf.tensor2d([[0.1, 0.9]]);
      const s3 = distributionAlignmentUpdate(s2, p2);
      expect(s1.queue.isDisposed).toBe(false);
      expect(values(s1.queue)).toEqual(values(p));
      expect(s3.queue.shape).toEqual([2, 2]);
      expectClose(values(s3.queue), [0.9, 0.1, 0.1, 0.9], 1e-7);
      const empty = tf.zeros([0, 2]) as tf.Tensor2D;
      const s4 = distributionAlignmentUpdate(s3, empty);
      expect(values(s4.queue)).toEqual(values(s3.queue));
      tf.dispose([p, p2, empty]);
      disposeState([s0, s1, s2, s3, s4]);
    });
  });

  it('round-trips through JSON', async () => {
    await expectNoLeak(async () => {
      const s0 = distributionAlignmentInit(3, { capacity: 5 });
      const p = tf.tensor2d([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]);
      const s1 = distributionAlignmentUpdate(s0, p);
      const json = JSON.parse(JSON.stringify(await distributionAlignmentToJSON(s1)));
      const back = distributionAlignmentFromJSON(json);
      expect(back.capacity).toBe(5);
      expect(back.numClasses).toBe(3);
      expect(values(back.queue)).toEqual(values(s1.queue));
      const a = alignDistribution(s1, p);
      const b = alignDistribution(back, p);
      expect(values(b)).toEqual(values(a));
      tf.dispose([p, a, b]);
      disposeState([s0, s1, back]);
    });
  });

  it('fromJSON names the field at fault', async () => {
    await expectNoLeak(() => {
      const queue = { shape: [3, 2], dtype: 'float32' as const, values: [1, 2, 3, 4, 5, 6] };
      expect(() => distributionAlignmentFromJSON({ numClasses: 2, capacity: 2, queue }))
        .toThrow("tear-ssl.distributionAlignmentFromJSON: field 'queue' must be float32 [n ≤ 2, 2], got [3,2]");
      expect(() => distributionAlignmentFromJSON({ numClasses: 0, capacity: 2, queue }))
        .toThrow("option 'numClasses' must be >= 1");
      expect(() => distributionAlignmentFromJSON({ numClasses: 2, capacity: 4, queue: { ...queue, values: [1] } }))
        .toThrow("field 'queue' has shape [3,2] (6 values) but 1 values");
    });
  });

  it('rejects probs with the wrong number of classes, naming both shapes', async () => {
    await expectNoLeak(() => {
      const s = distributionAlignmentInit(3);
      const p = tf.tensor2d([[0.5, 0.5]]);
      expect(() => distributionAlignmentUpdate(s, p))
        .toThrow("tear-ssl.distributionAlignmentUpdate: 'probs' [1,2] must have 3 columns, like 'state.queue' [0,3]");
      expect(() => alignDistribution(s, p)).toThrow("tear-ssl.alignDistribution: 'probs' [1,2] must have 3 columns");
      p.dispose();
      disposeState(s);
    });
  });
});
