import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/state/random';
import { deserializeTensor, disposeState, type SerializedTensor } from '../../src/state/serialize';
import {
  relativeAlignment, relativeAlignmentComponent, relativeThreshold, type AdamatchOptions, type RelativeAlignmentState,
} from '../../src/training/algorithms/adamatch';
import { resolveMethod } from '../../src/training/algorithms/registry';
import type { ComponentContext, UnlabeledStep } from '../../src/training/algorithms/types';
import { readCheckpoint, writeCheckpoint } from '../../src/training/checkpoint';
import { resolveTrainerConfig, type TrainerConfigInput } from '../../src/training/config';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { matrix, matVec, softmax } from '../helpers/float64';
import { expectClose, expectNoLeak } from '../helpers/tensors';
import { checkResume } from './exactResume';
import { constantBatchSources, disposeFunctionModel, fixedLinearModel, NUM_CLASSES, SIDE, trainerOptions } from './fixtures';

const D = SIDE * SIDE;
const C = NUM_CLASSES;

let dir: string;
beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tear-adamatch-')); });
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const config = (input: Partial<TrainerConfigInput>) => resolveTrainerConfig({ numClasses: C, totalSteps: 10, method: 'adamatch', ...input });
const ints = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const mean = (rows: number[][]): number[] => rows[0].map((_, c) => rows.reduce((s, r) => s + r[c], 0) / rows.length);

/** Float64 reference of one relative-alignment step: EMAs updated with this step's means first, then q̂ = normalise(q·(t + ε)/(m + ε)). */
function alignByHand(state: { target: number[]; model: number[] }, labeledProbs: number[][], q: number[][], momentum: number) {
  const ema = (old: number[], batch: number[][]) => (batch.length === 0 ? old : old.map((v, c) => momentum * v + (1 - momentum) * mean(batch)[c]));
  const next = { target: ema(state.target, labeledProbs), model: ema(state.model, q) };
  const aligned = q.map((row) => {
    const scaled = row.map((v, c) => v * (next.target[c] + 1e-6) / (next.model[c] + 1e-6));
    const s = scaled.reduce((a, b) => a + b, 0);
    return scaled.map((v) => v / s);
  });
  return { next, aligned };
}

/** Float64 reference of the relative threshold: m_b = [max q̂_b ≥ τ·mean_b' max p_b'] (τ·1 with no labeled row), ŷ = argmax q̂. */
function thresholdByHand(labeledProbs: number[][], aligned: number[][], tau: number) {
  const confidence = labeledProbs.length === 0 ? 1 : labeledProbs.reduce((s, r) => s + Math.max(...r), 0) / labeledProbs.length;
  const threshold = tau * confidence;
  return { threshold, mask: aligned.map((r) => (Math.max(...r) >= threshold ? 1 : 0)), labels: aligned.map((r) => r.indexOf(Math.max(...r))) };
}

describe('AdaMatch relative alignment (Berthelot et al., ICLR 2022, §3.2), by hand', () => {
  const uniform = [1 / 3, 1 / 3, 1 / 3];
  const lab1 = [[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]];
  const q1 = [[0.2, 0.5, 0.3], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]];
  const lab2 = [[0.5, 0.1, 0.4], [0.2, 0.2, 0.6], [0.9, 0.05, 0.05]];
  const q2 = [[0.4, 0.4, 0.2], [0.2, 0.7, 0.1]];

  it('two steps from uniform EMAs: target ← m·target + (1 − m)·mean p(x), model ← m·model + (1 − m)·mean q, updated before aligning q̂ ∝ q·target/model (float64)', () => expectNoLeak(() => {
    const momentum = 0.5;
    const cfg = config({ adamatch: { momentum } });
    let hand = { target: uniform, model: uniform };
    const initial = relativeAlignmentComponent.state.init({ config: cfg, studentVariables: [] });
    expectClose(initial.target.dataSync(), uniform, 0);
    expectClose(initial.model.dataSync(), uniform, 0);
    let state: RelativeAlignmentState = initial;
    for (const [k, [lab, q]] of [[lab1, q1], [lab2, q2]].entries()) {
      const labeledProbs = tf.tensor2d(lab);
      const probs = tf.tensor2d(q);
      const out = relativeAlignmentComponent.align({ config: cfg, labeled: { probs: labeledProbs } } as unknown as UnlabeledStep, probs, state);
      const expected = alignByHand(hand, lab, q, momentum);
      expectClose(out.state.target.dataSync(), expected.next.target, 1e-7, 1e-6);
      expectClose(out.state.model.dataSync(), expected.next.model, 1e-7, 1e-6);
      expectClose(out.probs.dataSync(), expected.aligned.flat(), 1e-6, 1e-5);
      // not vacuous: alignment moves q (the labeled and unlabeled means differ)
      expect(Math.max(...expected.aligned.flat().map((v, i) => Math.abs(v - q.flat()[i]))), `step ${k}`).toBeGreaterThan(0.02);
      // relativeAlignment with the updated state is the same map
      const again = relativeAlignment(probs, out.state);
      expectClose(again.dataSync(), out.probs.dataSync(), 0);
      // the input state is untouched
      expectClose(state.target.dataSync(), hand.target, 1e-7);
      disposeState([labeledProbs, probs, out.probs, again, state]);
      state = out.state;
      hand = expected.next;
    }
    disposeState(state);
  }));

  it('an empty labeled batch keeps the target EMA; an empty unlabeled batch keeps the model EMA', () => expectNoLeak(() => {
    const cfg = config({ adamatch: { momentum: 0.5 } });
    const state: RelativeAlignmentState = { target: tf.tensor1d([0.5, 0.3, 0.2]), model: tf.tensor1d([0.2, 0.3, 0.5]) };
    const noLabeled = tf.zeros([0, 3]) as tf.Tensor2D;
    const probs = tf.tensor2d(q1);
    const out = relativeAlignmentComponent.align({ config: cfg, labeled: { probs: noLabeled } } as unknown as UnlabeledStep, probs, state);
    expectClose(out.state.target.dataSync(), [0.5, 0.3, 0.2], 0);
    expectClose(out.state.model.dataSync(), alignByHand({ target: [0.5, 0.3, 0.2], model: [0.2, 0.3, 0.5] }, [], q1, 0.5).next.model, 1e-7, 1e-6);
    const labeled = tf.tensor2d(lab1);
    const none = tf.zeros([0, 3]) as tf.Tensor2D;
    const empty = relativeAlignmentComponent.align({ config: cfg, labeled: { probs: labeled } } as unknown as UnlabeledStep, none, state);
    expectClose(empty.state.model.dataSync(), [0.2, 0.3, 0.5], 0);
    expect(empty.probs.shape).toEqual([0, 3]);
    disposeState([state, noLabeled, probs, out, labeled, none, empty]);
  }));

  it('the aligned probabilities carry no gradient into q', () => expectNoLeak(() => {
    const cfg = config({});
    const state = relativeAlignmentComponent.state.init({ config: cfg, studentVariables: [] });
    const labeled = tf.tensor2d(lab1);
    const probs = tf.tensor2d(q1);
    const g = tf.grad((p: tf.Tensor) => tf.add(
      tf.sum(relativeAlignmentComponent.align({ config: cfg, labeled: { probs: labeled } } as unknown as UnlabeledStep, p as tf.Tensor2D, state).probs),
      tf.mul(tf.sum(p), 0)))(probs);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    disposeState([state, labeled, probs, g]);
  }));
});

describe('AdaMatch relative threshold (§3.3), by hand', () => {
  it('τ_rel = τ·mean_b max p(weak(x_b)): labeled maxima 0.9 and 0.7, τ = 0.75 → 0.6; rows with max q̂ 0.65, 0.598, 0.603, 0.4 give m = [1, 0, 1, 0]', () => expectNoLeak(() => {
    const lab = [[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]];
    const q = [[0.65, 0.2, 0.15], [0.3, 0.598, 0.102], [0.2, 0.197, 0.603], [0.3, 0.3, 0.4]]; // 0.598 < 0.6 < 0.603: the threshold is exact
    const hand = thresholdByHand(lab, q, 0.75);
    expect(hand.threshold).toBeCloseTo(0.6, 12);
    expect(hand.mask).toEqual([1, 0, 1, 0]);
    const labeledProbs = tf.tensor2d(lab);
    const probs = tf.tensor2d(q);
    const out = relativeThreshold.mask({ config: config({ threshold: 0.75 }), labeled: { probs: labeledProbs } } as unknown as UnlabeledStep, probs, undefined);
    expect(ints(out.mask)).toEqual(hand.mask);
    expect(ints(out.pseudoLabels)).toEqual([0, 1, 2, 2]);
    expect(out.state).toBeUndefined();
    // a less confident labeled batch lowers the threshold: maxima 0.5, 0.6 → τ_rel = 0.4125, every row counts
    const unsure = tf.tensor2d([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]]);
    const low = relativeThreshold.mask({ config: config({ threshold: 0.75 }), labeled: { probs: unsure } } as unknown as UnlabeledStep, probs, undefined);
    expect(ints(low.mask)).toEqual(thresholdByHand([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]], q, 0.75).mask);
    expect(ints(low.mask)).toEqual([1, 1, 1, 0]);
    // no labeled row: τ_rel = τ
    const none = tf.zeros([0, 3]) as tf.Tensor2D;
    const bare = relativeThreshold.mask({ config: config({ threshold: 0.6 }), labeled: { probs: none } } as unknown as UnlabeledStep, probs, undefined);
    expect(ints(bare.mask)).toEqual([1, 0, 1, 0]);
    disposeState([labeledProbs, probs, out, unsure, low, none, bare]);
  }));

  it('the registry resolves AdaMatch to its alignment and masker (DA queue config ignored), and composes with +tear', () => {
    const r = resolveMethod(config({}));
    expect([r.alignment?.name, r.masker.name, r.targets.name, r.states.map((s) => s.key)]).toEqual(['relative', 'relative-threshold', 'hard', ['adamatchAlignment']]);
    const t = resolveMethod(config({ method: 'adamatch+tear' }));
    expect([t.alignment?.name, t.masker.name, t.targets.name, t.terms.map((x) => x.name), t.reference?.name]).toEqual(['relative', 'relative-threshold', 'adapl', ['iph'], 'ema']);
    expect(() => config({ adamatch: { momentum: 1 } })).toThrow(/option 'adamatch.momentum'/);
    expect(() => config({ adamatch: { momentum: -0.1 } })).toThrow(/option 'adamatch.momentum'/);
    expect((config({}) as unknown as { adamatch: AdamatchOptions }).adamatch).toEqual({ momentum: 0.999 });
  });
});

describe('AdaMatch state JSON', () => {
  it('a moved state round-trips through JSON text exactly; bad JSON names the field', () => expectNoLeak(async () => {
    const cfg = config({});
    const ctx: ComponentContext = { config: cfg, studentVariables: [] };
    const component = relativeAlignmentComponent.state;
    const state: RelativeAlignmentState = { target: tf.tensor1d([0.5, 0.3, 0.2]), model: tf.tensor1d([0.1, 0.7, 0.2]) };
    const json = JSON.parse(JSON.stringify(await component.toJSON(state)));
    const back = component.fromJSON(json, ctx);
    expect(Array.from(back.target.dataSync())).toEqual(Array.from(state.target.dataSync()));
    expect(Array.from(back.model.dataSync())).toEqual(Array.from(state.model.dataSync()));
    expect(JSON.parse(JSON.stringify(await component.toJSON(back)))).toEqual(json);
    expect(() => component.fromJSON(null, ctx)).toThrow(/missing the AdaMatch alignment state/);
    expect(() => component.fromJSON({ ...json, model: { dtype: 'float32', shape: [2], values: [0.5, 0.5] } }, ctx))
      .toThrow('adamatchAlignment.model must be float32 [3], got [2]');
    expect(() => component.fromJSON({ ...json, target: { dtype: 'int32', shape: [3], values: [0, 1, 0] } }, ctx))
      .toThrow(/adamatchAlignment.target must be float32 \[3\]/);
    expect(() => component.fromJSON({ target: json.target }, ctx)).toThrow(/adamatchAlignment.model/);
    disposeState([state, back]);
  }));
});

const readAlignment = async (file: string): Promise<{ target: number[]; model: number[] }> => {
  const payload = (await readCheckpoint(file)) as { states: Record<string, unknown> };
  expect(Object.keys(payload.states)).toEqual(['adamatchAlignment']);
  const json = payload.states.adamatchAlignment as { target: SerializedTensor; model: SerializedTensor };
  const read = (s: SerializedTensor) => { const t = deserializeTensor(s, 'x'); const v = Array.from(t.dataSync()); t.dispose(); return v; };
  return { target: read(json.target), model: read(json.model) };
};

describe('AdaMatch in the trainer', () => {
  it('over three steps: the checkpointed EMAs, the mask rate and L_u follow the formulas from the logged weights (float64): the labeled probabilities are softmax of the labeled logits', () => expectNoLeak(async () => {
    const rng = new Random(31);
    const xl = matrix(4, D, rng);
    const yl = [0, 1, 2, 0];
    const xu = matrix(10, D, rng);
    const w0 = matrix(D, C, rng, 1.2);
    const momentum = 0.6;
    const tau = 0.8;
    const model = fixedLinearModel(w0, matrix(D, 4, rng), 'adamatch');
    const sources = constantBatchSources(xl, yl, xu);
    const trainer = await SemiSupervisedTrainer.create({
      model, createTeacher: () => fixedLinearModel(w0, matrix(D, 4, new Random(1)), 'adamatch'),
      labeled: sources.labeled(), unlabeled: sources.unlabeled(), strongAugment: (x) => x.clone(),
      config: {
        method: 'adamatch', numClasses: C, totalSteps: 10, learningRate: 0.5, lambdaU: 1, clipGradients: null, threshold: tau,
        optimizer: { type: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 }, adamatch: { momentum },
      } as TrainerConfigInput,
    });
    let hand = { target: [1 / 3, 1 / 3, 1 / 3], model: [1 / 3, 1 / 3, 1 / 3] };
    const rates: number[] = [];
    for (let k = 0; k < 3; k++) {
      const w = model.trainableVariables[0].arraySync() as number[][];
      const labeledProbs = xl.map((x) => softmax(matVec(x, w)));
      const q = xu.map((x) => softmax(matVec(x, w)));
      const { next, aligned } = alignByHand(hand, labeledProbs, q, momentum);
      const { threshold, mask, labels } = thresholdByHand(labeledProbs, aligned, tau);
      for (const r of aligned) expect(Math.abs(Math.max(...r) - threshold), `step ${k}: a sample at the threshold`).toBeGreaterThan(1e-4);
      const unlabeledLoss = xu.reduce((s, x, b) => s - (mask[b] ? Math.log(softmax(matVec(x, w))[labels[b]]) : 0), 0) / xu.length;
      const logs = await trainer.trainStep();
      expect(logs.maskRate, `step ${k}`).toBeCloseTo(mask.reduce<number>((a, b) => a + b, 0) / xu.length, 10);
      expect(logs.unlabeled, `step ${k}`).toBeCloseTo(unlabeledLoss, 5);
      const file = path.join(dir, `formula-${k}.ckpt`);
      await trainer.save(file);
      const saved = await readAlignment(file);
      expectClose(saved.target, next.target, 1e-6, 1e-5);
      expectClose(saved.model, next.model, 1e-6, 1e-5);
      rates.push(logs.maskRate);
      hand = next;
    }
    expect(rates.some((r) => r > 0 && r < 1), `mask rates ${rates}: the threshold must split the batch`).toBe(true);
    trainer.dispose();
    disposeFunctionModel(model);
  }));

  it('a checkpoint with a wrong AdaMatch state is refused, naming the field', () => expectNoLeak(async () => {
    const options = trainerOptions({ config: { method: 'adamatch' } });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.trainStep();
    const file = path.join(dir, 'bad-adamatch.ckpt');
    await trainer.save(file);
    const payload = (await readCheckpoint(file)) as { states: Record<string, Record<string, unknown>> };
    await writeCheckpoint(file, { ...payload, states: {} });
    await expect(trainer.load(file)).rejects.toThrow(/field 'states\.adamatchAlignment'.*missing the AdaMatch alignment state/);
    const bad = { ...payload.states.adamatchAlignment, target: { dtype: 'float32', shape: [4], values: [0.25, 0.25, 0.25, 0.25] } };
    await writeCheckpoint(file, { ...payload, states: { adamatchAlignment: bad } });
    await expect(trainer.load(file)).rejects.toThrow(/field 'states\.adamatchAlignment'.*adamatchAlignment\.target must be float32 \[3\], got \[4\]/);
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  }));
});

describe('AdaMatch save and resume', () => {
  const adamatch = { method: 'adamatch', threshold: 0.6, adamatch: { momentum: 0.7 } } as Partial<TrainerConfigInput>;
  it('k steps + checkpoint + resume = N straight steps (weights, EMA, both class-distribution EMAs bit-identical)', () => expectNoLeak(() =>
    checkResume(adamatch, 5, 2, path.join(dir, 'adamatch.ckpt'))));

  it('adamatch+tear resumes exactly', () => expectNoLeak(() => checkResume({ ...adamatch, method: 'adamatch+tear' }, 5, 3, path.join(dir, 'adamatch-tear.ckpt'))));

  it('the tensor count is flat across steps', () => expectNoLeak(async () => {
    for (const method of ['adamatch', 'adamatch+tear', 'adamatch+iph']) {
      const options = trainerOptions({ config: { ...adamatch, method } as Partial<TrainerConfigInput> }, true);
      const trainer = await SemiSupervisedTrainer.create(options);
      await trainer.trainStep();
      const before = tf.memory().numTensors;
      for (let k = 1; k < 5; k++) {
        await trainer.trainStep();
        expect(tf.memory().numTensors, `${method}: tensors after step ${k}`).toBe(before);
      }
      trainer.dispose();
      (options.model as tf.LayersModel).dispose();
    }
  }));
});
