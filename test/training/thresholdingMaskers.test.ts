import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { flexmatchMasker, flexmatchThresholds, type FlexmatchOptions } from '../../src/training/algorithms/flexmatch';
import {
  fairnessTerm, freematchFairness, freematchMasker, freematchThresholds, freematchUpdate, type FreematchState,
} from '../../src/training/algorithms/freematch';
import { methodNames, resolveMethod } from '../../src/training/algorithms/registry';
import {
  softmatchMasker, softmatchUpdate, softmatchWeights, uniformAlignment, type SoftmatchState,
} from '../../src/training/algorithms/softmatch';
import type { ComponentContext, UnlabeledStep } from '../../src/training/algorithms/types';
import { resolveTrainerConfig, type TrainerConfigInput } from '../../src/training/config';
import { disposeState } from '../../src/state/serialize';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

const config = (input: Partial<TrainerConfigInput>) => resolveTrainerConfig({ numClasses: 3, totalSteps: 10, ...input });
const step = (input: Partial<TrainerConfigInput>, extra: Partial<UnlabeledStep> = {}) => ({ config: config(input), ...extra }) as UnlabeledStep;
const ints = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('FlexMatch', () => {
  const opts: FlexmatchOptions = { warmup: true, mapping: 'convex' };
  it('thresholds T_c = M(β_c)·τ: warm-up counts unused samples, convex M(β) = β/(2 − β), linear M(β) = β; an empty class gets 0', () => expectNoLeak(() => {
    const predictions = tf.tensor1d([-1, -1, -1, -1, 0, 0, 1, -1], 'int32'); // σ = [2, 1, 0], 5 unused
    const cases: Array<[typeof opts, number[]]> = [
      [opts, [0.9 * (0.4 / 1.6), 0.9 * (0.2 / 1.8), 0]], // β = σ / max(2, 5)
      [{ warmup: false, mapping: 'convex' }, [0.9, 0.9 * (0.5 / 1.5), 0]], // β = σ / 2
      [{ warmup: false, mapping: 'linear' }, [0.9, 0.45, 0]],
    ];
    for (const [o, expected] of cases) {
      const t = flexmatchThresholds(predictions, 3, 0.9, o);
      expectClose(t.dataSync(), expected, 1e-7, 1e-6);
      t.dispose();
    }
    predictions.dispose();
  }));

  it('at the start (no confident prediction yet) every threshold is 0, with or without warm-up', () => expectNoLeak(() => {
    const none = tf.fill([5], -1, 'int32') as tf.Tensor1D;
    for (const warmup of [true, false]) {
      const t = flexmatchThresholds(none, 3, 0.95, { warmup, mapping: 'convex' });
      expect(Array.from(t.dataSync())).toEqual([0, 0, 0]);
      t.dispose();
    }
    none.dispose();
  }));

  it('masker: m = [max q ≥ T_ŷ] with the thresholds before this batch; confident samples (max q ≥ τ) record ŷ at their id', () => expectNoLeak(() => {
    const s = { predictions: tf.tensor1d([-1, -1, -1, -1, 0, 0, 1, -1], 'int32') };
    const probs = tf.tensor2d([[0.5, 0.3, 0.2], [0.05, 0.95, 0], [0.02, 0.03, 0.95]]);
    const indices = tf.tensor1d([0, 4, 7], 'int32');
    // no warm-up: T = [0.9, 0.3, 0]
    const st = step({ method: 'flexmatch', threshold: 0.9, memory: { numSamples: 8 }, flexmatch: { warmup: false } }, { indices });
    const out = flexmatchMasker.mask(st, probs, s);
    expect(ints(out.mask)).toEqual([0, 1, 1]);
    expect(ints(out.pseudoLabels)).toEqual([0, 1, 2]);
    expect(ints(out.state!.predictions)).toEqual([-1, -1, -1, -1, 1, 0, 1, 2]);
    expect(ints(s.predictions)).toEqual([-1, -1, -1, -1, 0, 0, 1, -1]); // the input state is untouched
    disposeState([s, probs, indices, out]);
  }));

  it('needs memory.numSamples, and the CLI option table carries its flags', () => {
    expect(() => config({ method: 'flexmatch' })).toThrow(/method 'flexmatch' keeps a prediction per unlabeled sample: it needs option 'memory.numSamples'/);
    expect(() => config({ method: 'flexmatch', memory: { numSamples: 4 }, flexmatch: { mapping: 'concave' as 'convex' } }))
      .toThrow("option 'flexmatch.mapping' must be one of 'convex', 'linear', got 'concave'");
    expect(resolveMethod(config({ method: 'flexmatch+tear', memory: { numSamples: 4 } })).states.map((s) => s.key)).toEqual(['flexmatch']);
  });
});

describe('FreeMatch', () => {
  const init = (): FreematchState => ({ threshold: tf.scalar(1 / 3), classProbs: tf.fill([3], 1 / 3) as tf.Tensor1D, histogram: tf.fill([3], 1 / 3) as tf.Tensor1D });
  it('update: τ, p̃, h̃ move by (1 − λ) towards the batch\'s mean max q, mean q and argmax histogram; thresholds p̃_c / max p̃ · τ', () => expectNoLeak(() => {
    const s = init();
    const probs = tf.tensor2d([[0.6, 0.3, 0.1], [0.36, 0.3, 0.34]]);
    const next = freematchUpdate(s, probs, 0.5);
    expect(next.threshold.dataSync()[0]).toBeCloseTo(1 / 6 + 0.24, 6);
    expectClose(next.classProbs.dataSync(), [1 / 6 + 0.24, 1 / 6 + 0.15, 1 / 6 + 0.11], 1e-6);
    expectClose(next.histogram.dataSync(), [1 / 6 + 0.5, 1 / 6, 1 / 6], 1e-6);
    const t = freematchThresholds(next);
    const tau = 1 / 6 + 0.24;
    expectClose(t.dataSync(), [tau, tau * (1 / 6 + 0.15) / tau, tau * (1 / 6 + 0.11) / tau], 1e-6);
    disposeState([s, probs, next, t]);
  }));

  it('masker: updates first, then m = [max q ≥ τ_ŷ]; an empty batch leaves the statistics unchanged', () => expectNoLeak(() => {
    const s = init();
    const probs = tf.tensor2d([[0.6, 0.3, 0.1], [0.36, 0.3, 0.34]]);
    const st = step({ method: 'freematch', freematch: { momentum: 0.5 } });
    const out = freematchMasker.mask(st, probs, s);
    expect(ints(out.mask)).toEqual([1, 0]); // T_0 = τ' = 0.40667 > 0.36
    expect(ints(out.pseudoLabels)).toEqual([0, 0]);
    const empty = tf.zeros([0, 3]) as tf.Tensor2D;
    const same = freematchUpdate(s, empty, 0.5);
    expectClose(same.classProbs.dataSync(), [1 / 3, 1 / 3, 1 / 3], 0);
    disposeState([s, probs, out, empty, same]);
  }));

  it('fairness L_f = Σ a_c log(b_c + 1e-12) over the masked-in strong views (float64 reference); gradient only into masked-in rows; 0 with no sample', () => expectNoLeak(() => {
    const s: FreematchState = {
      threshold: tf.scalar(0.5), classProbs: tf.tensor1d([0.4, 0.35, 0.25]), histogram: tf.tensor1d([0.5, 0, 0.5]),
    };
    const logits = [[2, 0, 0], [0, 1, 3], [5, 0, 0]];
    const mask = [1, 1, 0];
    const softmax = (z: number[]) => { const e = z.map(Math.exp); const t = e.reduce((a, b) => a + b, 0); return e.map((v) => v / t); };
    // a = SumNorm(p̃ / h̃) with 1/0 → 0; p̄, h̄ over rows 0, 1 (argmax 0 and 2): h̄ = [½, 0, ½]
    const a0 = [0.4 / 0.5, 0, 0.25 / 0.5];
    const a = a0.map((v) => v / (a0[0] + a0[2]));
    const pBar = [0, 1, 2].map((c) => (softmax(logits[0])[c] + softmax(logits[1])[c]) / 2);
    const b0 = [pBar[0] * 2, 0, pBar[2] * 2];
    const b = b0.map((v) => v / (b0[0] + b0[2]));
    const expected = a.reduce((sum, ac, c) => sum + ac * Math.log(b[c] + 1e-12), 0);
    const z = tf.tensor2d(logits);
    const m = tf.tensor1d(mask);
    const loss = freematchFairness(z, m, s);
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 5);
    const g = tf.grad((x: tf.Tensor) => freematchFairness(x as tf.Tensor2D, m, s))(z);
    const rows = g.arraySync() as number[][];
    expect(rows[2].every((v) => v === 0)).toBe(true);
    expect(Math.max(...rows[0].map(Math.abs), ...rows[1].map(Math.abs))).toBeGreaterThan(1e-3);
    const none = tf.zeros([3]) as tf.Tensor1D;
    const zero = freematchFairness(z, none, s);
    const g0 = tf.grad((x: tf.Tensor) => freematchFairness(x as tf.Tensor2D, none, s))(z);
    expect(zero.dataSync()[0] === 0).toBe(true);
    expect(values(g0).every((v) => v === 0)).toBe(true);
    const viaTerm = fairnessTerm.loss({ strongLogits: z } as UnlabeledStep, { probs: z, mask: m, pseudoLabels: m, maskerState: s }, undefined);
    expect(viaTerm.loss.dataSync()[0]).toBe(loss.dataSync()[0]);
    disposeState([s, z, m, loss, g, none, zero, g0, viaTerm]);
  }));
});

describe('SoftMatch', () => {
  it('update: μ and σ² (unbiased batch variance) move by (1 − m); U = 1 keeps σ², U = 0 keeps both', () => expectNoLeak(() => {
    const s: SoftmatchState = { mean: tf.scalar(1 / 3), variance: tf.scalar(1) };
    const three = tf.tensor1d([0.9, 0.5, 0.7]);
    const next = softmatchUpdate(s, three, 0.5);
    expect(next.mean.dataSync()[0]).toBeCloseTo(1 / 6 + 0.35, 6);
    expect(next.variance.dataSync()[0]).toBeCloseTo(0.5 + 0.02, 6); // var = (0.04 + 0.04 + 0) / 2
    const one = tf.tensor1d([0.9]);
    const single = softmatchUpdate(s, one, 0.5);
    expect(single.mean.dataSync()[0]).toBeCloseTo(1 / 6 + 0.45, 6);
    expect(single.variance.dataSync()[0]).toBe(1);
    const none = tf.zeros([0]) as tf.Tensor1D;
    const empty = softmatchUpdate(s, none, 0.5);
    expect([empty.mean.dataSync()[0], empty.variance.dataSync()[0]]).toEqual([s.mean.dataSync()[0], 1]);
    disposeState([s, three, next, one, single, none, empty]);
  }));

  it('weights exp(−min(s − μ, 0)² / (2σ²/n²)): 1 at or above μ, the Gaussian below', () => expectNoLeak(() => {
    const s: SoftmatchState = { mean: tf.scalar(0.6), variance: tf.scalar(0.04) };
    const conf = tf.tensor1d([0.9, 0.6, 0.5, 0.2]);
    const w = softmatchWeights(conf, s, 2);
    // 2σ²/n² = 0.02
    expectClose(w.dataSync(), [1, 1, Math.exp(-0.01 / 0.02), Math.exp(-0.16 / 0.02)], 1e-6, 1e-5);
    disposeState([s, conf, w]);
  }));

  it('uniform alignment q̂ ∝ q·(1/C)/E[q] with E[q] updated first; the masker weighs aligned confidence and labels with the unaligned argmax', () => expectNoLeak(() => {
    const c2 = (input: Partial<TrainerConfigInput>) => resolveTrainerConfig({ numClasses: 2, totalSteps: 10, ...input });
    const cfg = c2({ method: 'softmatch', softmatch: { momentum: 0.5 } });
    const st = { config: cfg } as UnlabeledStep;
    const s = { classProbs: tf.tensor1d([0.5, 0.5]) };
    const q = tf.tensor2d([[0.8, 0.2], [0.6, 0.4]]);
    const out = uniformAlignment.align(st, q, s);
    expectClose(out.state.classProbs.dataSync(), [0.6, 0.4], 1e-6);
    const r0 = [0.8 / 0.6, 0.2 / 0.4];
    expectClose(out.probs.dataSync(), [r0[0] / (r0[0] + r0[1]), r0[1] / (r0[0] + r0[1]), 0.5, 0.5], 1e-5);
    // q = [0.55, 0.45] aligns to argmax 1 under E[q] = [0.6, 0.4]; the pseudo label stays the unaligned argmax 0.
    const unaligned = tf.tensor2d([[0.55, 0.45]]);
    const total = 0.55 / 0.6 + 0.45 / 0.4;
    const aligned = tf.tensor2d([[0.55 / 0.6 / total, 0.45 / 0.4 / total]]);
    const before = { mean: tf.scalar(0.5), variance: tf.scalar(1) };
    const masker = softmatchMasker.mask({ config: cfg, studentProbs: unaligned } as UnlabeledStep, aligned, before);
    expect(ints(masker.pseudoLabels)).toEqual([0]);
    expect(masker.mask.dataSync()[0]).toBe(1); // max q̂ = 0.551 ≥ μ' = 0.525
    disposeState([s, q, out, unaligned, aligned, masker, before]);
    const off = resolveMethod(c2({ method: 'softmatch', softmatch: { uniformAlignment: false } }));
    expect(off.alignment).toBeUndefined();
    expect(resolveMethod(cfg).states.map((x) => x.key)).toEqual(['softmatchAlignment', 'softmatch']);
  }));
});

describe('every registered method\'s component states round-trip through JSON', () => {
  it('init → toJSON → JSON text → fromJSON → toJSON is the identity, for every method name', () => expectNoLeak(async () => {
    const variables = [tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([5, 6, 7])];
    for (const method of methodNames()) {
      const c = config({ method, memory: { numSamples: 6 } });
      const ctx: ComponentContext = { config: c, studentVariables: variables };
      for (const component of resolveMethod(c).states) {
        const state = component.init(ctx);
        const json = JSON.parse(JSON.stringify(await component.toJSON(state)));
        const back = component.fromJSON(json, ctx);
        expect(JSON.parse(JSON.stringify(await component.toJSON(back))), `${method} ${component.key}`).toEqual(json);
        disposeState([state, back]);
      }
    }
    tf.dispose(variables);
  }));

  it('a wrong shape or a value out of range is refused with the field named', () => expectNoLeak(async () => {
    const c = config({ method: 'freematch+tear', memory: { numSamples: 6 } });
    const ctx: ComponentContext = { config: c, studentVariables: [] };
    const free = resolveMethod(c).states.find((s) => s.key === 'freematch')!;
    const initial = free.init(ctx);
    const json = (await free.toJSON(initial)) as Record<string, { shape: number[]; values: number[] }>;
    disposeState(initial);
    expect(() => free.fromJSON({ ...json, histogram: { ...json.histogram, shape: [2], values: [0.5, 0.5] } }, ctx))
      .toThrow('freematch.histogram must be float32 [3], got float32 [2]');
    const flexConfig = config({ method: 'flexmatch', memory: { numSamples: 3 } });
    const flex = resolveMethod(flexConfig).states[0];
    expect(() => flex.fromJSON({ predictions: { shape: [3], dtype: 'int32', values: [0, 3, -1] } }, { config: flexConfig, studentVariables: [] }))
      .toThrow('flexmatch.predictions must be int32 [3] with values in [−1, 3), got int32 [3] with value 3 at 1');
    const soft = resolveMethod(config({ method: 'softmatch' })).states[1];
    expect(() => soft.fromJSON({ mean: { shape: [1], dtype: 'float32', values: [0.5] }, variance: { shape: [], dtype: 'float32', values: [1] } }, ctx))
      .toThrow('softmatch.mean must be float32 [], got float32 [1]');
  }));
});
