import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { strongAugment } from '../../src/augment/randAugment';
import { weakAugment } from '../../src/augment/weakAugment';
import { createSmallCnn } from '../../src/models/smallCnn';
import { emaInit, emaUpdate } from '../../src/state/ema';
import { disposeState } from '../../src/state/serialize';
import { firstNonFinite } from '../../src/training/divergence';
import { clipGradientValues } from '../../src/training/gradientClipping';
import { optimizerInit, optimizerUpdate, resolveOptimizerConfig, type OptimizerState } from '../../src/training/optimizer';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { modelHandle } from '../../src/training/trainableModel';
import { fusedUpdates, groupedElementwise, setFusedUpdates } from '../../src/util/fusedUpdates';
import { testBackend } from '../helpers/testBackend';
import { expectNoLeak } from '../helpers/tensors';

/** The bit patterns of a tensor's float32 values (so −0 ≠ +0 and NaN payloads count). */
const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer));

/** Runs `fn` with the batched paths on and off and returns both results. */
function both<T>(fn: () => T): { fused: T; legacy: T } {
  const was = fusedUpdates();
  try {
    setFusedUpdates(true);
    const fused = fn();
    setFusedUpdates(false);
    const legacy = fn();
    return { fused, legacy };
  } finally {
    setFusedUpdates(was);
  }
}

/** Variables shaped like a small network's: vectors of several lengths, kernels sharing trailing dims, a scalar, a large tensor. */
function someTensors(seed: number): Record<string, tf.Tensor> {
  const shapes: Record<string, number[]> = {
    'conv_1/kernel': [3, 3, 2, 4], 'bn_1/gamma': [4], 'bn_1/beta': [4], 'conv_2/kernel': [3, 3, 2, 4], 'conv_3/kernel': [1, 3, 2, 4],
    'bn_2/gamma': [7], 'bn_2/beta': [7], 'dense/kernel': [7, 3], 'dense/bias': [3], 'extra/scale': [], 'big/kernel': [300, 300],
  };
  return Object.fromEntries(Object.entries(shapes).map(([k, s], i) => [k, tf.randomNormal(s, 0, 1, 'float32', seed * 100 + i)]));
}

afterEach(() => setFusedUpdates(true));

describe('batched updates (src/util/fusedUpdates.ts) give the same bits as per-variable updates', () => {
  it('groupedElementwise batches by trailing shape and returns each key its own result', () => expectNoLeak(() => {
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([3, 4, 5]);
    const c = tf.tensor2d([[1, 2]]);
    const out = groupedElementwise([{ key: 'a', inputs: [a] }, { key: 'b', inputs: [b] }, { key: 'c', inputs: [c] }], ([x]) => [tf.mul(x, 2)]);
    expect(out.a[0].arraySync()).toEqual([2, 4]);
    expect(out.b[0].arraySync()).toEqual([6, 8, 10]);
    expect(out.c[0].arraySync()).toEqual([[2, 4]]);
    tf.dispose([a, b, c, ...Object.values(out).flat()]);
  }));

  for (const type of ['sgd', 'adam', 'adamw'] as const) {
    it(`optimizerUpdate (${type}, weight decay on some variables, 3 steps)`, () => expectNoLeak(() => {
      const config = resolveOptimizerConfig({ type });
      const decays = (name: string) => !/gamma|beta/.test(name);
      const run = () => {
        let params = someTensors(1);
        let state: OptimizerState = optimizerInit(config, params);
        for (let step = 0; step < 3; step++) {
          const grads = someTensors(step + 2);
          delete grads['dense/bias']; // a parameter without a gradient keeps its value
          const r = optimizerUpdate(config, state, params, grads, { learningRate: 0.03 * (step + 1), decays });
          tf.dispose([...Object.values(grads), ...Object.values(params)]);
          disposeState(state.slots);
          params = r.params;
          state = r.state;
        }
        const out = {
          keys: Object.keys(params),
          params: Object.values(params).map(bits),
          slots: Object.values(state.slots).map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, bits(v)]))),
        };
        tf.dispose(Object.values(params));
        disposeState(state.slots);
        return out;
      };
      const { fused, legacy } = both(run);
      expect(fused).toEqual(legacy);
    }));
  }

  it('clipGradientValues and emaUpdate (some weights copied)', () => expectNoLeak(() => {
    const { fused, legacy } = both(() => {
      const grads = someTensors(5);
      const scaled = tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, 3)])));
      const clipped = clipGradientValues(scaled, 1);
      let ema = emaInit(someTensors(6));
      for (let step = 0; step < 2; step++) {
        const student = someTensors(7 + step);
        const next = emaUpdate(ema, student, { momentum: 0.99, warmup: true, copy: (k) => k === 'bn_2/beta' });
        tf.dispose([...Object.values(student), ...Object.values(ema.weights)]);
        ema = next;
      }
      const out = { clipped: Object.entries(clipped).map(([k, v]) => [k, bits(v)]), ema: Object.entries(ema.weights).map(([k, v]) => [k, bits(v)]) };
      tf.dispose([...Object.values(grads), ...Object.values(scaled), ...Object.values(clipped), ...Object.values(ema.weights)]);
      return out;
    });
    expect(fused).toEqual(legacy);
  }));

  it('firstNonFinite names the first non-finite tensor, and a sum that overflows is not a false alarm', async () => {
    const finite = { a: tf.tensor1d([3e38, 3e38]), b: tf.tensor1d([1, 2]) };
    const bad = { a: tf.tensor1d([1, 2]), b: tf.tensor1d([1, NaN]), c: tf.tensor1d([Infinity, 1]) };
    const inf = { a: tf.tensor1d([-Infinity, 1]), b: tf.tensor1d([NaN]) };
    for (const on of [true, false]) {
      setFusedUpdates(on);
      expect(await firstNonFinite(finite)).toBeUndefined();
      expect(await firstNonFinite(bad)).toBe('b');
      expect(await firstNonFinite(inf)).toBe('a');
    }
    tf.dispose([...Object.values(finite), ...Object.values(bad), ...Object.values(inf)]);
  });

  it('strongAugment: the geometric operations of a slot warped together give the same pixels', () => expectNoLeak(() => {
    const strong = strongAugment();
    for (const [shape, seed] of [[[96, 28, 28, 1], 11], [[40, 32, 32, 3], 12], [[5, 9, 7, 3], 13]] as Array<[[number, number, number, number], number]>) {
      const images = tf.randomUniform(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
      const { fused, legacy } = both(() => {
        const out = strong(images, seed * 7);
        const b = bits(out);
        out.dispose();
        return b;
      });
      images.dispose();
      expect(fused).toEqual(legacy);
    }
  }));

  it(`a trainer's weights, EMA and optimizer state after 3 FixMatch and 3 TEAR steps of the small CNN (${testBackend()})`, async () => {
    const runTrainer = async (method: 'fixmatch' | 'tear') => {
      const shape: [number, number, number] = [28, 28, 1];
      const model = createSmallCnn({ inputShape: shape, numClasses: 10, seed: 1 });
      const trainer = await SemiSupervisedTrainer.create({
        model,
        createTeacher: () => createSmallCnn({ inputShape: shape, numClasses: 10, seed: 1 }),
        labeled: (async function* () {
          for (let k = 0; ; k++) {
            yield tf.tidy(() => ({
              images: tf.randomUniform([8, ...shape], 0, 1, 'float32', k) as tf.Tensor4D,
              labels: tf.randomUniform([8], 0, 10, 'int32', k + 1) as tf.Tensor1D,
            }));
          }
        })(),
        unlabeled: (async function* () {
          for (let k = 0; ; k++) {
            yield tf.tidy(() => ({
              images: tf.randomUniform([16, ...shape], 0, 1, 'float32', k + 2) as tf.Tensor4D,
              indices: tf.range(k * 16, (k + 1) * 16, 1, 'int32') as tf.Tensor1D,
            }));
          }
        })(),
        weakAugment: weakAugment(),
        strongAugment: strongAugment(),
        config: { method, numClasses: 10, totalSteps: 100, reference: 'ema', learningRate: 0.1, ema: { momentum: 0.9 } },
      });
      const logs = [];
      for (let k = 0; k < 3; k++) logs.push(await trainer.trainStep());
      const state = trainer as unknown as { emaState: { weights: Record<string, tf.Tensor> }; optimizerState: OptimizerState };
      const out = {
        logs,
        student: modelHandle(model).variables.map(bits),
        ema: Object.values(state.emaState.weights).map(bits),
        slots: Object.values(state.optimizerState.slots).map((s) => bits(s.momentum)),
      };
      trainer.dispose();
      model.dispose();
      return out;
    };
    for (const method of ['fixmatch', 'tear'] as const) {
      setFusedUpdates(true);
      const fused = await runTrainer(method);
      setFusedUpdates(false);
      const legacy = await runTrainer(method);
      expect(fused.logs, method).toEqual(legacy.logs);
      expect(fused.student, method).toEqual(legacy.student);
      expect(fused.ema, method).toEqual(legacy.ema);
      expect(fused.slots, method).toEqual(legacy.slots);
      expect(fused.logs.every((l) => Number.isFinite(l.loss)), method).toBe(true);
    }
  }, 120_000);
});
