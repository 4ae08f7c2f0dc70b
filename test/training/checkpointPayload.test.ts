import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { resolveMethod, stepLogDefaults } from '../../src/training/algorithms/registry';
import { REFERENCE_SOURCES } from '../../src/training/algorithms/references';
import {
  CHECKPOINT_KIND, CheckpointError, LEGACY_STATE_FIELDS, readCheckpointPayload, type CheckpointPayload,
} from '../../src/training/checkpointPayload';
import { checkpointStorage, setCheckpointStorage } from '../../src/training/checkpointStorage';
import { resolveTrainerConfig, type TrainerConfigInput } from '../../src/training/config';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { expectNoLeak } from '../helpers/tensors';
import { tinyModel, trainerOptions, variableValues } from './fixtures';
import { weightsOf } from './exactResume';

/** A payload through JSON text and back: what any storage (a file, IndexedDB, a message) hands back. */
const viaJson = (payload: CheckpointPayload): CheckpointPayload => JSON.parse(JSON.stringify(payload)) as CheckpointPayload;

/** A trainer of `config` after `steps` steps, its model, and its payload. */
async function trained(config: Partial<TrainerConfigInput>, steps: number): Promise<{ trainer: SemiSupervisedTrainer; model: tf.LayersModel; payload: CheckpointPayload }> {
  const options = trainerOptions({ config });
  const trainer = await SemiSupervisedTrainer.create(options);
  await trainer.run(steps);
  return { trainer, model: options.model as tf.LayersModel, payload: await trainer.checkpoint({ metadata: { note: 'test' } }) };
}

/** A setup for fromCheckpoint: a fresh model with other weights (they are overwritten). */
function freshSetup(): { setup: Omit<ReturnType<typeof trainerOptions>, 'config'>; model: tf.LayersModel } {
  const model = tinyModel(99);
  const { config: _unused, ...setup } = trainerOptions({ model });
  return { setup, model };
}

describe('checkpoint payload codec (pure: no files)', () => {
  it('round-trips: a payload read back into a fresh trainer gives the same payload, field by field, and the same weights', () => expectNoLeak(async () => {
    const { trainer, model, payload } = await trained({ method: 'tear', reference: 'previous', distributionAlignment: { enabled: true } }, 2);
    expect(payload.kind).toBe(CHECKPOINT_KIND);
    expect(payload.step).toBe(2);
    expect(payload.metadata).toEqual({ note: 'test' });
    // the trainer's own components at the top level, the method's under states
    expect(payload.ema.step).toBe(2);
    expect(payload.optimizer.step).toBe(2);
    expect(Object.keys(payload.states).sort()).toEqual(['distributionAlignment', 'previous']);

    const { setup, model: otherModel } = freshSetup();
    const back = await SemiSupervisedTrainer.fromCheckpoint(viaJson(payload), setup);
    expect(back.step).toBe(2);
    const again = await back.checkpoint({ metadata: { note: 'test' } });
    // every field: config, step, variables (names differ: tfjs numbers each build's variables), optimizer, ema, states, random, metadata
    const { variables: v1, ...rest1 } = payload;
    const { variables: v2, ...rest2 } = again;
    expect(rest2).toEqual(rest1);
    expect(v2.values).toEqual(v1.values);
    expect(v2.names.length).toBe(v1.names.length);
    expect(await variableValues(weightsOf(otherModel))).toEqual(await variableValues(weightsOf(model)));
    expect(await variableValues(weightsOf(back.emaModel as tf.LayersModel))).toEqual(await variableValues(weightsOf(trainer.emaModel as tf.LayersModel)));

    // both continue identically (the payload is the whole state)
    const [a, b] = [await trainer.trainStep(), await back.trainStep()];
    expect(b).toEqual(a);
    for (const t of [trainer, back]) t.dispose();
    for (const m of [model, otherModel]) m.dispose();
  }));

  it('restoreCheckpoint loads a payload into a trainer of the same config, in memory', () => expectNoLeak(async () => {
    const { trainer, model, payload } = await trained({ method: 'fixmatch' }, 1);
    const payload1 = viaJson(payload);
    await trainer.trainStep();
    expect(trainer.step).toBe(2);
    trainer.restoreCheckpoint(payload1);
    expect(trainer.step).toBe(1);
    const again = await trainer.checkpoint({ metadata: { note: 'test' } });
    expect(again).toEqual(payload1);
    trainer.dispose();
    model.dispose();
  }));

  it('a legacy payload (DA queue and previous-step weights at the top level) migrates into states and loads', () => expectNoLeak(async () => {
    const { trainer, model, payload } = await trained({ method: 'tear', reference: 'previous', distributionAlignment: { enabled: true } }, 2);
    const { states, ...rest } = viaJson(payload);
    const legacy = { ...rest, ...states, memory: null };
    const read = readCheckpointPayload(legacy);
    expect(read.states).toEqual(states);
    for (const field of LEGACY_STATE_FIELDS) expect(read, field).not.toHaveProperty(field);
    expect(legacy).toHaveProperty('previous'); // the input is not changed

    const { setup, model: otherModel } = freshSetup();
    const back = await SemiSupervisedTrainer.fromCheckpoint(legacy, setup);
    expect(await back.checkpoint({ metadata: { note: 'test' } })).toEqual({ ...viaJson(payload), variables: expect.anything() });
    for (const t of [trainer, back]) t.dispose();
    for (const m of [model, otherModel]) m.dispose();
  }));

  it('a bad payload is refused with a CheckpointError naming the field; the trainer is left as it was', () => expectNoLeak(async () => {
    const { trainer, model, payload } = await trained({ method: 'tear', reference: 'previous' }, 1);
    const good = viaJson(payload);
    const cases: Array<[string, (p: CheckpointPayload) => unknown, RegExp]> = [
      ['kind', (p) => ({ ...p, kind: 'other' }), /field 'kind' must be 'tear-ssl\/SemiSupervisedTrainer'/],
      ['step', (p) => ({ ...p, step: -1 }), /field 'step' must be a non-negative integer, got -1/],
      ['variables', (p) => ({ ...p, variables: { names: [], values: [] } }), /field 'variables': .*holds 0 variables, the model has/],
      ['ema shape', (p) => ({ ...p, ema: { ...p.ema, weights: { ...p.ema.weights, v0: { shape: [1], dtype: 'float32', values: [0] } } } }),
        /field 'ema': .*ema\.weights\.v0 is float32 \[1\]/],
      ['optimizer slots', (p) => ({ ...p, optimizer: { ...p.optimizer, slots: {} } }), /field 'optimizer': .*has no optimizer slots for 'v0'/],
      ['component state', (p) => ({ ...p, states: { ...p.states, previous: 'nonsense' } }), /field 'states\.previous': .*previous-step weights/],
      ['config', (p) => ({ ...p, config: { ...p.config, method: 'fixmatch' } }), /field 'config' differs from this trainer's config at 'method'/],
      ['states type', (p) => ({ ...p, states: [] }), /field 'states' must be an object/],
    ];
    const before = await trainer.checkpoint({ metadata: { note: 'test' } });
    for (const [name, corrupt, message] of cases) {
      const error = (() => { try { trainer.restoreCheckpoint(corrupt(viaJson(good)), { source: 'run-7' }); } catch (e) { return e; } return undefined; })();
      expect(error, name).toBeInstanceOf(CheckpointError);
      expect((error as Error).message, name).toMatch(/^tear-ssl\.checkpoint: run-7: /);
      expect((error as Error).message, name).toMatch(message);
    }
    expect(await trainer.checkpoint({ metadata: { note: 'test' } })).toEqual(before);
    // fromCheckpoint: the same checks, the trainer it built is disposed (no leak)
    const { setup, model: otherModel } = freshSetup();
    await expect(SemiSupervisedTrainer.fromCheckpoint({ ...good, optimizer: { ...good.optimizer, slots: {} } }, setup))
      .rejects.toThrow(/checkpoint payload: field 'optimizer'/);
    await expect(SemiSupervisedTrainer.fromCheckpoint({ ...good, config: { ...good.config, numClasses: 0 } }, setup))
      .rejects.toThrow(/checkpoint payload: field 'config': /);
    trainer.dispose();
    model.dispose();
    otherModel.dispose();
  }));

  it('without a checkpoint storage the file-path methods say so; the in-memory ones work', () => expectNoLeak(async () => {
    const before = setCheckpointStorage(undefined);
    try {
      const { trainer, model } = await trained({ method: 'fixmatch' }, 0);
      await expect(trainer.save('x.ckpt')).rejects.toThrow(/tear-ssl\.SemiSupervisedTrainer\.save: no checkpoint storage: file checkpoints are Node-only \(import 'tear-ssl'/);
      await expect(trainer.load('x.ckpt')).rejects.toThrow(/SemiSupervisedTrainer\.load: no checkpoint storage/);
      const { setup, model: otherModel } = freshSetup();
      await expect(SemiSupervisedTrainer.resume('x.ckpt', setup)).rejects.toThrow(/SemiSupervisedTrainer\.resume: no checkpoint storage/);
      // an installed storage (here: memory) serves them
      const saved = new Map<string, unknown>();
      setCheckpointStorage({ read: async (f) => saved.get(f), write: async (f, p) => { saved.set(f, JSON.parse(JSON.stringify(p))); } });
      await trainer.save('mem');
      const back = await SemiSupervisedTrainer.resume('mem', setup);
      expect(back.step).toBe(0);
      for (const t of [trainer, back]) t.dispose();
      for (const m of [model, otherModel]) m.dispose();
    } finally {
      setCheckpointStorage(before);
    }
    expect(checkpointStorage('test')).toBe(before);
  }));
});

describe('state held by components', () => {
  it('resolveMethod resolves a config once: the same unchanged config object gives the same recipe, a changed one a new recipe', () => {
    const config = resolveTrainerConfig({ numClasses: 3, totalSteps: 4, method: 'tear' });
    const recipe = resolveMethod(config);
    expect(resolveMethod(config)).toBe(recipe);
    config.method = 'fixmatch';
    const other = resolveMethod(config);
    expect(other).not.toBe(recipe);
    expect(other.terms).toEqual([]);
  });

  it('the reference sources own their forward: the EMA teacher, a spare model with θ_{k−1}, or none (the memory)', () => expectNoLeak(() => {
    expect(REFERENCE_SOURCES.memory.forward).toBeUndefined();
    expect(REFERENCE_SOURCES.memory.usesModel).toBe(false);
    expect(REFERENCE_SOURCES.previous.spareModel).toBe(true);
    expect(REFERENCE_SOURCES.ema.spareModel).toBeFalsy();
    const calls: string[] = [];
    const handle = (name: string, bias: number) => {
      const v = tf.tidy(() => tf.variable(tf.zeros([2]), false));
      return {
        variables: [v], trainable: [],
        forward: (x: tf.Tensor4D) => {
          calls.push(name);
          return tf.tidy(() => {
            const n = x.shape[0];
            return { logits: tf.add(tf.zeros([n, 2]), tf.add(v.reshape([1, 2]), bias)) as tf.Tensor2D, features: tf.ones([n, 3]) as tf.Tensor2D };
          });
        },
      };
    };
    const teacher = handle('teacher', 0);
    const spare = handle('spare', 0);
    const x = tf.zeros([2, 1, 1, 1]) as tf.Tensor4D;
    const fromEma = (REFERENCE_SOURCES.ema.forward as NonNullable<typeof REFERENCE_SOURCES.ema.forward>)(x, { teacher, spare }, undefined);
    const previousWeights = [tf.tensor1d([0, Math.log(3)])];
    const fromPrevious = (REFERENCE_SOURCES.previous.forward as NonNullable<typeof REFERENCE_SOURCES.ema.forward>)(x, { teacher, spare }, { weights: previousWeights });
    expect(calls).toEqual(['teacher', 'spare']);
    expect(Array.from(fromEma.probs.dataSync())).toEqual([0.5, 0.5, 0.5, 0.5]);
    const p = Array.from(fromPrevious.probs.dataSync());
    expect(p[1] / p[0]).toBeCloseTo(3, 5); // the spare model took θ_{k−1}
    expect(fromPrevious.features.shape).toEqual([2, 3]);
    tf.dispose([x, fromEma.probs, fromEma.features, fromPrevious.probs, fromPrevious.features, ...previousWeights, teacher.variables[0], spare.variables[0]]);
  }));

  it('step logs: every method carries the fields its registered terms declare (IPH: iph = 0 without the term)', () => {
    expect(stepLogDefaults()).toEqual({ iph: 0 });
  });
});
