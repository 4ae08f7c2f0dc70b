import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabeledBatch, UnlabeledBatch } from '../../src/data/types';
import { Random } from '../../src/state/random';
import { deserializeTensor, disposeState, type SerializedTensor } from '../../src/state/serialize';
import { dashMasker, dashSchedule, dashThreshold, type DashOptions, type DashState } from '../../src/training/algorithms/dash';
import { resolveMethod } from '../../src/training/algorithms/registry';
import type { UnlabeledStep } from '../../src/training/algorithms/types';
import { readCheckpoint, writeCheckpoint } from '../../src/training/checkpoint';
import { resolveTrainerConfig, type TrainerConfigInput } from '../../src/training/config';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { matrix, matVec, softmax } from '../helpers/float64';
import { expectNoLeak } from '../helpers/tensors';
import { checkResume } from './exactResume';
import { constantUnlabeled, disposeFunctionModel, fixedLinearModel, imageBatch, NUM_CLASSES, SIDE, trainerOptions } from './fixtures';

const D = SIDE * SIDE;
const C = NUM_CLASSES;
const DEFAULTS: DashOptions = { gamma: 1.27, c: 1.0001, rhoMin: 0.05, warmupFraction: 0.05, periodFraction: 0.1 };

let dir: string;
beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tear-dash-')); });
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const config = (input: Partial<TrainerConfigInput>) => resolveTrainerConfig({ numClasses: C, totalSteps: 10, method: 'dash', ...input });
const ints = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('Dash schedule and threshold (Xu et al., ICML 2021, eq. 6), hand values', () => {
  it('W = max(1, round(0.05·K)), P = max(1, round(0.1·K)): K = 1000 → W = 50, P = 100; tiny K still has one warm-up step and a period of 1', () => {
    expect(dashSchedule(1000, DEFAULTS)).toEqual({ warmupSteps: 50, period: 100 });
    expect(dashSchedule(10, DEFAULTS)).toEqual({ warmupSteps: 1, period: 1 }); // round(0.5) = 1
    expect(dashSchedule(4, DEFAULTS)).toEqual({ warmupSteps: 1, period: 1 }); // round(0.2) = 0 → 1
    expect(dashSchedule(20, { warmupFraction: 0.15, periodFraction: 0.25 })).toEqual({ warmupSteps: 3, period: 5 });
  });

  it('ρ_t = max(ρ_min, C·γ^(−⌊(k − W)/P⌋)·ρ̂): step 349 of K = 1000 is n = 2; steps 50–149 are n = 0, 150 is n = 1; the floor ρ_min holds late', () => {
    const rhoHat = 0.8;
    expect(dashThreshold(349, rhoHat, 1000, DEFAULTS)).toBeCloseTo(1.0001 * 1.27 ** -2 * 0.8, 15); // ⌊299/100⌋ = 2
    expect(dashThreshold(50, rhoHat, 1000, DEFAULTS)).toBeCloseTo(1.0001 * 0.8, 15);
    expect(dashThreshold(149, rhoHat, 1000, DEFAULTS)).toBeCloseTo(1.0001 * 0.8, 15);
    expect(dashThreshold(150, rhoHat, 1000, DEFAULTS)).toBeCloseTo(1.0001 / 1.27 * 0.8, 15);
    expect(dashThreshold(0, rhoHat, 1000, DEFAULTS)).toBeCloseTo(1.0001 * 0.8, 15); // during the warm-up n is clamped to 0
    // n = 9 at k = 999: 1.0001·1.27⁻⁹·0.8 = 0.0930 > 0.05; with ρ_min = 0.1 the floor wins
    expect(dashThreshold(999, rhoHat, 1000, DEFAULTS)).toBeCloseTo(1.0001 * 1.27 ** -9 * 0.8, 15);
    expect(dashThreshold(999, rhoHat, 1000, { ...DEFAULTS, rhoMin: 0.1 })).toBe(0.1);
    expect(dashThreshold(999, 0.01, 1000, DEFAULTS)).toBe(0.05);
  });

  it('config checks name the option; the registry gives Dash one state, `dash`', () => {
    expect(() => config({ dash: { gamma: 1 } as DashOptions })).toThrow(/option 'dash.gamma'/);
    expect(() => config({ dash: { c: 0.5 } as DashOptions })).toThrow(/option 'dash.c'/);
    expect(() => config({ dash: { rhoMin: -1 } as DashOptions })).toThrow(/option 'dash.rhoMin'/);
    expect(() => config({ dash: { warmupFraction: 0 } as DashOptions })).toThrow(/option 'dash.warmupFraction'/);
    expect(() => config({ dash: { warmupFraction: 1 } as DashOptions })).toThrow(/option 'dash.warmupFraction'/);
    expect(() => config({ dash: { periodFraction: 0 } as DashOptions })).toThrow(/option 'dash.periodFraction'/);
    expect((config({}) as unknown as { dash: DashOptions }).dash).toEqual(DEFAULTS);
    expect(resolveMethod(config({ distributionAlignment: { enabled: false } })).states.map((s) => s.key)).toEqual(['dash']);
    // no DA queue even when distributionAlignment is on (the paper aligns nothing)
    expect(resolveMethod(config({ distributionAlignment: { enabled: true } })).states.map((s) => s.key)).toEqual(['dash']);
    const tear = resolveMethod(config({ method: 'dash+tear' }));
    expect([tear.states.map((s) => s.key), tear.masker.name, tear.targets.name, tear.terms.map((t) => t.name), tear.reference?.name])
      .toEqual([['dash'], 'dash', 'adapl', ['iph'], 'ema']);
  });
});

describe('dashMasker on a hand-made step context', () => {
  // K = 20, W = 3, P = 5; γ = 1.27, C = 1.0001, ρ_min = 0.5 (so that the floor is reached at n = 3)
  const options: DashOptions = { gamma: 1.27, c: 1.0001, rhoMin: 0.5, warmupFraction: 0.15, periodFraction: 0.25 };
  const cfg = () => config({ totalSteps: 20, dash: options });
  const maxima = [0.99, 0.8, 0.6, 0.5, 0.45, 0.4, 0.35];
  // rows with max q̂ = maxima[b] at class b mod 3, the rest split unevenly below it
  const rows = maxima.map((m, b) => {
    const row = [0, 0, 0];
    row[b % 3] = m;
    row[(b + 1) % 3] = (1 - m) / 2 + 0.01;
    row[(b + 2) % 3] = (1 - m) / 2 - 0.01;
    return row;
  });
  const losses = [0.9, 1.3, 0.7].map(Math.fround);

  it('warm-up (k < W): mask 0, pseudo labels argmax q̂, and lossSum accumulates L_s exactly (float32 adds); the input state is untouched', () => expectNoLeak(() => {
    const c = cfg();
    const probs = tf.tensor2d(rows);
    let state: DashState = { lossSum: tf.scalar(0) };
    let expected = 0;
    for (let k = 0; k < 3; k++) {
      const supervisedLoss = tf.scalar(losses[k]);
      const out = dashMasker.mask({ config: c, step: k, totalSteps: 20, supervisedLoss } as UnlabeledStep, probs, state);
      expected = Math.fround(expected + losses[k]);
      expect(ints(out.mask), `step ${k}`).toEqual(maxima.map(() => 0));
      expect(ints(out.pseudoLabels)).toEqual(maxima.map((_, b) => b % 3));
      expect(out.state!.lossSum.dataSync()[0], `Σ L_s after step ${k}`).toBe(expected);
      expect(state.lossSum.dataSync()[0]).toBe(k === 0 ? 0 : Math.fround(losses.slice(0, k).reduce((a, b) => Math.fround(a + b), 0)));
      disposeState([state, supervisedLoss, out.mask, out.pseudoLabels]);
      state = out.state!;
    }
    disposeState([state, probs]);
  }));

  it('after the warm-up: m_b = [−log max q̂_b ≤ ρ_k] with ρ̂ = ΣL_s/W, through n = 0, 1, 2 and the floor (float64 reference); the state is carried unchanged', () => expectNoLeak(() => {
    const c = cfg();
    const probs = tf.tensor2d(rows);
    const sum = losses.reduce((a, b) => Math.fround(a + b), 0);
    const rhoHat = sum / 3;
    const state: DashState = { lossSum: tf.scalar(sum) };
    const supervisedLoss = tf.scalar(123); // read only during the warm-up
    const seen = new Set<string>();
    for (const k of [3, 7, 8, 12, 13, 17, 18, 19]) {
      const n = Math.floor((k - 3) / 5);
      const rho = Math.max(0.5, 1.0001 * 1.27 ** -n * rhoHat);
      expect(rho).toBeCloseTo(dashThreshold(k, rhoHat, 20, options), 12);
      const lossOf = maxima.map((m) => -Math.log(m));
      for (const l of lossOf) expect(Math.abs(l - rho), `k = ${k}: a row at the threshold would test float32 rounding, not the rule`).toBeGreaterThan(1e-3);
      const expected = lossOf.map((l) => (l <= rho ? 1 : 0));
      seen.add(expected.join(''));
      const out = dashMasker.mask({ config: c, step: k, totalSteps: 20, supervisedLoss } as UnlabeledStep, probs, state);
      expect(ints(out.mask), `k = ${k}, n = ${n}, ρ = ${rho}`).toEqual(expected);
      expect(ints(out.pseudoLabels)).toEqual(maxima.map((_, b) => b % 3));
      expect(out.state!.lossSum).not.toBe(state.lossSum);
      expect(out.state!.lossSum.dataSync()[0]).toBe(sum);
      disposeState(out);
    }
    // n = 0 keeps 6 rows, n = 1 keeps 4, n = 2 keeps 3, the floor ρ_min = 0.5 keeps 2
    expect([...seen]).toEqual(['1111110', '1111000', '1110000', '1100000']);
    disposeState([state, probs, supervisedLoss]);
  }));

  it('the mask carries no gradient into q̂, and the state JSON round-trips; bad JSON names the field', () => expectNoLeak(async () => {
    const c = cfg();
    const probs = tf.tensor2d(rows);
    const state: DashState = { lossSum: tf.scalar(2.9) };
    const supervisedLoss = tf.scalar(1);
    // d/dq̂ of Σm + 0·Σq̂ (the second term keeps q̂ on the tape): zero when the mask is cut from q̂
    const g = tf.grad((p: tf.Tensor) => tf.add(
      tf.sum(dashMasker.mask({ config: c, step: 5, totalSteps: 20, supervisedLoss } as UnlabeledStep, p as tf.Tensor2D, state).mask),
      tf.mul(tf.sum(p), 0)))(probs);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    const component = dashMasker.state!;
    const json = JSON.parse(JSON.stringify(await component.toJSON(state)));
    const back = component.fromJSON(json, { config: c, studentVariables: [] });
    expect(back.lossSum.dataSync()[0]).toBe(Math.fround(2.9));
    expect(() => component.fromJSON(null, { config: c, studentVariables: [] })).toThrow(/missing the Dash state/);
    expect(() => component.fromJSON({ lossSum: { dtype: 'float32', shape: [1], values: [1] } }, { config: c, studentVariables: [] }))
      .toThrow(/dash.lossSum must be a float32 scalar/);
    expect(() => component.fromJSON({}, { config: c, studentVariables: [] })).toThrow(/dash.lossSum/);
    disposeState([probs, state, supervisedLoss, g, back]);
  }));
});

/** Endless sources: the same unlabeled batch every step, labeled batches cycling through `xl` two rows at a time (L_s varies). */
function sources(xl: number[][], yl: number[], xu: number[][]) {
  return {
    labeled: async function* (): AsyncGenerator<LabeledBatch> {
      for (let k = 0; ; k++) {
        const rows = [0, 1].map((j) => (2 * k + j) % xl.length);
        yield { images: imageBatch(rows.map((r) => xl[r])), labels: tf.tensor1d(rows.map((r) => yl[r]), 'int32') };
      }
    },
    unlabeled: (): AsyncGenerator<UnlabeledBatch> => constantUnlabeled(xu),
  };
}

const readLossSum = async (file: string): Promise<number> => {
  const payload = (await readCheckpoint(file)) as { states: Record<string, unknown> };
  expect(Object.keys(payload.states)).toEqual(['dash']);
  const t = deserializeTensor((payload.states.dash as { lossSum: SerializedTensor }).lossSum, 'lossSum');
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

describe('Dash in the trainer', () => {
  it('lossSum in the checkpoint is the float32 sum of the logged L_s of the W warm-up steps (mask 0, L_u 0 there); after it, the mask rate is [−log max q ≤ ρ] from the weights (float64)', () => expectNoLeak(async () => {
    const rng = new Random(23);
    const xl = matrix(6, D, rng);
    const yl = [0, 1, 2, 2, 1, 0];
    const xu = matrix(16, D, rng);
    const w0 = matrix(D, C, rng, 2);
    const model = fixedLinearModel(w0, matrix(D, 4, rng), 'dash');
    const s = sources(xl, yl, xu);
    // K = 20, W = 3, P = 1, γ = 1.6 (ρ crosses the unlabeled losses within a few steps); no DA queue: q̂ = q
    const trainer = await SemiSupervisedTrainer.create({
      model, createTeacher: () => fixedLinearModel(w0, matrix(D, 4, new Random(1)), 'dash'),
      labeled: s.labeled(), unlabeled: s.unlabeled(), strongAugment: (x) => x.clone(),
      config: {
        method: 'dash', numClasses: C, totalSteps: 20, learningRate: 0.3, lambdaU: 1, clipGradients: null,
        optimizer: { type: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 }, distributionAlignment: { enabled: false },
        dash: { gamma: 1.6, c: 1.0001, rhoMin: 0.05, warmupFraction: 0.15, periodFraction: 0.05 },
      } as TrainerConfigInput,
    });
    const logs = [];
    let sum = 0;
    for (let k = 0; k < 3; k++) {
      const l = await trainer.trainStep();
      logs.push(l);
      expect(l.maskRate, `warm-up step ${k}`).toBe(0);
      expect(l.unlabeled).toBe(0);
      sum = Math.fround(sum + l.supervised);
      const file = path.join(dir, `warmup-${k}.ckpt`);
      await trainer.save(file);
      expect(await readLossSum(file), `lossSum after step ${k}`).toBe(sum);
    }
    expect(new Set(logs.map((l) => l.supervised)).size).toBe(3); // three different L_s: the sum is not a multiple of one
    const rates: number[] = [];
    for (let k = 3; k < 9; k++) {
      const w = model.trainableVariables[0].arraySync() as number[][];
      const n = k - 3;
      const rho = Math.max(0.05, 1.0001 * 1.6 ** -n * (sum / 3));
      const lossOf = xu.map((x) => -Math.log(Math.max(...softmax(matVec(x, w)))));
      for (const l of lossOf) expect(Math.abs(l - rho), `step ${k}: a sample at the threshold`).toBeGreaterThan(1e-4);
      const expected = lossOf.filter((l) => l <= rho).length / xu.length;
      const l = await trainer.trainStep();
      expect(l.maskRate, `step ${k}, ρ = ${rho}`).toBeCloseTo(expected, 10);
      rates.push(expected);
      const file = path.join(dir, `after-${k}.ckpt`);
      await trainer.save(file);
      expect(await readLossSum(file)).toBe(sum); // frozen after the warm-up
    }
    expect(rates.filter((r) => r > 0 && r < 1).length, `mask rates ${rates}: the threshold must split the batch`).toBeGreaterThanOrEqual(2);
    trainer.dispose();
    disposeFunctionModel(model);
  }));

  it('a checkpoint without the Dash state is refused, naming the field', () => expectNoLeak(async () => {
    const options = trainerOptions({ config: { method: 'dash' } });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.trainStep();
    const file = path.join(dir, 'no-dash.ckpt');
    await trainer.save(file);
    const payload = (await readCheckpoint(file)) as { states: Record<string, unknown> };
    await writeCheckpoint(file, { ...payload, states: { ...payload.states, dash: undefined } });
    await expect(trainer.load(file)).rejects.toThrow(/field 'states\.dash'.*missing the Dash state/);
    await writeCheckpoint(file, { ...payload, states: { ...payload.states, dash: { lossSum: { dtype: 'float32', shape: [2], values: [1, 2] } } } });
    await expect(trainer.load(file)).rejects.toThrow(/field 'states\.dash'.*dash\.lossSum must be a float32 scalar/);
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  }));
});

describe('Dash save and resume', () => {
  // K = 20 → W = 3, P = 2: resuming inside the warm-up, at its end, and after a shrink
  const dash = { method: 'dash', totalSteps: 20, threshold: 0.5, dash: { warmupFraction: 0.15, periodFraction: 0.1 } } as Partial<TrainerConfigInput>;
  it('k steps + checkpoint + resume = N straight steps, with k inside the warm-up, at W and after it (weights, EMA, lossSum bit-identical)', () => expectNoLeak(async () => {
    for (const k of [2, 3, 5]) await checkResume(dash, 7, k, path.join(dir, `dash-${k}.ckpt`));
  }));

  it('dash+tear resumes exactly', () => expectNoLeak(() => checkResume({ ...dash, method: 'dash+tear' }, 6, 2, path.join(dir, 'dash-tear.ckpt'))));

  it('the tensor count is flat across steps, through the end of the warm-up', () => expectNoLeak(async () => {
    for (const method of ['dash', 'dash+tear']) {
      const options = trainerOptions({ config: { ...dash, method } as Partial<TrainerConfigInput> }, true);
      const trainer = await SemiSupervisedTrainer.create(options);
      await trainer.trainStep(); // first step: optimizer slots are allocated here
      const before = tf.memory().numTensors;
      for (let k = 1; k < 7; k++) {
        await trainer.trainStep();
        expect(tf.memory().numTensors, `${method}: tensors after step ${k}`).toBe(before);
      }
      trainer.dispose();
      (options.model as tf.LayersModel).dispose();
    }
  }));
});
