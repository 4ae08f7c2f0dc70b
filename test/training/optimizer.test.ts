import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  optimizerInit, optimizerStateFromJSON, optimizerStateToJSON, optimizerUpdate, resolveOptimizerConfig,
  type OptimizerState,
} from '../../src/training/optimizer';
import { clipGradientValues } from '../../src/training/gradientClipping';
import { disposeState } from '../../src/state/serialize';
import { expectClose, expectNoLeak } from '../helpers/tensors';

const P0 = [0.5, -1.2, 2.0];
const GRADS = [[0.3, -0.1, 0.7], [-0.2, 0.4, 0.05], [0.1, 0.1, -0.6]];

/** Runs the optimizer over GRADS and returns the parameter values after each update. */
function runOptimizer(type: 'sgd' | 'adam' | 'adamw', lrs: number[], decays = true, extra = {}): number[][] {
  const config = resolveOptimizerConfig({ type, weightDecay: 0.01, ...extra });
  let p: tf.Tensor = tf.tensor1d(P0);
  let state: OptimizerState = optimizerInit(config, { w: p });
  const out: number[][] = [];
  GRADS.forEach((g, i) => {
    const grad = tf.tensor1d(g);
    const r = optimizerUpdate(config, state, { w: p }, { w: grad }, { learningRate: lrs[i], decays: () => decays });
    grad.dispose();
    p.dispose();
    disposeState(state.slots);
    p = r.params.w;
    state = r.state;
    out.push(Array.from(p.dataSync()));
  });
  p.dispose();
  disposeState(state.slots);
  return out;
}

describe('optimizerUpdate', () => {
  it('SGD-Nesterov follows PyTorch semantics with weight decay and a per-step lr (float64 reference)', () => expectNoLeak(() => {
    const lrs = [0.1, 0.05, 0.02];
    const got = runOptimizer('sgd', lrs);
    const mu = 0.9;
    const wd = 0.01;
    const p = [...P0];
    const buf = [0, 0, 0];
    GRADS.forEach((g, s) => {
      for (let i = 0; i < 3; i++) {
        const gd = g[i] + wd * p[i];
        buf[i] = mu * buf[i] + gd;
        p[i] -= lrs[s] * (gd + mu * buf[i]);
      }
      expectClose(got[s], p, 1e-6, 1e-6);
    });
  }));

  it('SGD-Nesterov matches tfjs MomentumOptimizer(useNesterov) at a fixed lr without decay', async () => {
    const got = await expectNoLeak(() => runOptimizer('sgd', [0.1, 0.1, 0.1], false));
    // tfjs's optimizer itself keeps two scalars after dispose(), so it runs outside expectNoLeak.
    const v = tf.variable(tf.tensor1d(P0));
    const opt = tf.train.momentum(0.1, 0.9, true);
    const expected: number[][] = [];
    for (const g of GRADS) {
      const grad = tf.tensor1d(g);
      opt.applyGradients([{ name: v.name, tensor: grad }]);
      grad.dispose();
      expected.push(Array.from(v.dataSync()));
    }
    opt.dispose();
    v.dispose();
    got.forEach((row, i) => expectClose(row, expected[i], 1e-6, 1e-6));
  });

  it('decays no parameter when decays() is false', () => expectNoLeak(() => {
    const withMask = runOptimizer('sgd', [0.1, 0.1, 0.1], false);
    const decayed = runOptimizer('sgd', [0.1, 0.1, 0.1], true);
    expect(Math.abs(decayed[2][2] - withMask[2][2])).toBeGreaterThan(1e-4);
    const plain = runOptimizer('sgd', [0.1, 0.1, 0.1], true, { weightDecay: 0 });
    withMask.forEach((row, i) => expectClose(row, plain[i], 1e-7, 0));
  }));

  it('Adam (L2 in the gradient) and AdamW (decoupled) match float64 references', () => expectNoLeak(() => {
    const lrs = [0.01, 0.01, 0.005];
    for (const type of ['adam', 'adamw'] as const) {
      const got = runOptimizer(type, lrs);
      const [b1, b2, eps, wd] = [0.9, 0.999, 1e-8, 0.01];
      const p = [...P0];
      const m = [0, 0, 0];
      const v = [0, 0, 0];
      GRADS.forEach((g, s) => {
        const t = s + 1;
        for (let i = 0; i < 3; i++) {
          const gd = type === 'adam' ? g[i] + wd * p[i] : g[i];
          m[i] = b1 * m[i] + (1 - b1) * gd;
          v[i] = b2 * v[i] + (1 - b2) * gd * gd;
          const step = (m[i] / (1 - b1 ** t)) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
          p[i] -= lrs[s] * (step + (type === 'adamw' ? wd * p[i] : 0));
        }
        expectClose(got[s], p, 1e-6, 1e-5);
      });
    }
  }));

  it('keeps parameters without a gradient and never disposes its inputs', () => expectNoLeak(() => {
    const config = resolveOptimizerConfig();
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([3]);
    const state = optimizerInit(config, { a, b });
    const g = tf.tensor1d([1, 1]);
    const r = optimizerUpdate(config, state, { a, b }, { a: g }, { learningRate: 0.1 });
    expect(a.isDisposed || b.isDisposed || g.isDisposed).toBe(false);
    expectClose(r.params.b.dataSync(), [3]);
    expect(r.params.b).not.toBe(b);
    expect(r.state.step).toBe(1);
    tf.dispose([a, b, g, ...Object.values(r.params)]);
    disposeState([state.slots, r.state.slots]);
  }));

  it('round-trips through JSON and rejects bad configs naming the option', async () => expectNoLeak(async () => {
    const config = resolveOptimizerConfig({ type: 'adam' });
    const p = tf.tensor2d([[1, 2], [3, 4]]);
    const state = optimizerInit(config, { p });
    const json = JSON.parse(JSON.stringify(await optimizerStateToJSON(state)));
    const back = optimizerStateFromJSON(json);
    expect(Object.keys(back.slots.p)).toEqual(['m', 'v']);
    expect(back.slots.p.m.shape).toEqual([2, 2]);
    disposeState([state.slots, back.slots]);
    p.dispose();
    expect(() => resolveOptimizerConfig({ type: 'lion' as 'sgd' })).toThrow(/optimizer.type/);
    expect(() => resolveOptimizerConfig({ momentum: 1 })).toThrow(/optimizer.momentum/);
  }));
});

describe('clipGradientValues', () => {
  it('clips element-wise to ±c', () => expectNoLeak(() => {
    const g = tf.tensor1d([-3, -0.5, 0, 0.7, 2]);
    const r = clipGradientValues({ g }, 1);
    expectClose(r.g.dataSync(), [-1, -0.5, 0, 0.7, 1]);
    tf.dispose([g, r.g]);
    expect(() => clipGradientValues({}, 0)).toThrow(/clipValue/);
  }));
});
