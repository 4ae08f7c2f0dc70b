import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../src/training/checkpoint';
import type { TrainerConfigInput } from '../../src/training/config';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { expectClose, expectNoLeak } from '../helpers/tensors';
import { checkResume as checkExactResume, weightsOf } from './exactResume';
import { trainerOptions, variableValues } from './fixtures';

let dir: string;
beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tear-resume-')); });
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

/**
 * N steps straight vs k steps + save + resume (fresh model, other init) + N − k steps, the k-step checkpoint
 * optionally rewritten first; logs, weights and EMA are compared (the component states are not).
 */
const checkResume = (
  config: Partial<TrainerConfigInput>, n: number, k: number, file: string, rewrite?: (payload: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> => checkExactResume(config, n, k, file, { rewrite, compareStates: false });

describe('resume', () => {
  it('TEAR (EMA reference, DA, EMA warm-up, SGD-Nesterov): k steps + checkpoint + resume = N straight steps', () => expectNoLeak(() =>
    checkResume({ method: 'tear', ema: { momentum: 0.99, warmup: true }, totalSteps: 6 }, 6, 3, path.join(dir, 'tear.ckpt'))));

  it('AdaPL with the previous-step reference and AdamW resumes exactly', () => expectNoLeak(() =>
    checkResume({ method: 'adapl', reference: 'previous', optimizer: { type: 'adamw', weightDecay: 0.01 }, learningRate: 0.01 }, 5, 2,
      path.join(dir, 'previous.ckpt'))));

  it('AdaPL with the temporal memory (no teacher forward) and warm-up lr resumes exactly', () => expectNoLeak(() =>
    checkResume({ method: 'adapl', reference: 'memory', memory: { numSamples: 60 }, warmupSteps: 2, adapl: { mask: 'none' } }, 5, 3,
      path.join(dir, 'memory.ckpt'))));

  it('FlexMatch (per-sample predictions, class-wise thresholds) resumes exactly', () => expectNoLeak(() =>
    checkResume({ method: 'flexmatch', memory: { numSamples: 60 }, threshold: 0.5, flexmatch: { warmup: false } }, 4, 1, path.join(dir, 'flexmatch.ckpt'), (payload) => {
      const { predictions } = (payload.states as { flexmatch: { predictions: { values: number[] } } }).flexmatch;
      expect(predictions.values.filter((v) => v >= 0).length, 'confident predictions recorded').toBeGreaterThan(0);
      return payload;
    })));

  it('FreeMatch + TEAR (τ, p̃, h̃, fairness term, IPH, AdaPL) resumes exactly', () => expectNoLeak(() =>
    checkResume({ method: 'freematch+tear', freematch: { momentum: 0.5, fairnessWeight: 0.1 } }, 6, 3, path.join(dir, 'freematch.ckpt'),
      (payload) => {
        expect(Object.keys(payload.states as object).sort()).toEqual(['freematch']);
        return payload;
      })));

  it('SoftMatch + AdaPL with the previous-step reference (μ, σ², uniform alignment) resumes exactly', () => expectNoLeak(() =>
    checkResume({ method: 'softmatch+adapl', reference: 'previous', softmatch: { momentum: 0.5 } }, 6, 2, path.join(dir, 'softmatch.ckpt'),
      (payload) => {
        expect(Object.keys(payload.states as object).sort()).toEqual(['previous', 'softmatch', 'softmatchAlignment']);
        return payload;
      })));

  it('a checkpoint in the layout before component states (DA queue and previous-step weights at the top level) resumes exactly', () => expectNoLeak(() =>
    checkResume({ method: 'tear', reference: 'previous' }, 4, 2, path.join(dir, 'legacy.ckpt'), (payload) => {
      const { states, ...rest } = payload as { states: Record<string, unknown> };
      expect(Object.keys(states).sort()).toEqual(['distributionAlignment', 'previous']);
      return { ...rest, ...states, memory: null };
    })));
});

describe('loading broken checkpoints', () => {
  it('a flipped byte or a truncation gives a CheckpointError naming the file; the trainer and the good file stay usable', () => expectNoLeak(async () => {
    const options = trainerOptions({ config: { method: 'fixmatch' } });
    const model = options.model as tf.LayersModel;
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.trainStep();
    const good = path.join(dir, 'good.ckpt');
    await trainer.save(good);
    const bytes = await fs.readFile(good);
    const flipped = path.join(dir, 'flipped.ckpt');
    const copy = Buffer.from(bytes);
    copy[copy.length - 100] ^= 0x01;
    await fs.writeFile(flipped, copy);
    const truncated = path.join(dir, 'truncated.ckpt');
    await fs.writeFile(truncated, bytes.subarray(0, bytes.length - 1000));
    await fs.writeFile(`${good}.tmp-1-00000000`, bytes.subarray(0, 50)); // a crashed writer's leftover

    await trainer.trainStep();
    const stepTwo = await variableValues(weightsOf(model));
    await expect(trainer.load(flipped)).rejects.toThrow(CheckpointError);
    await expect(trainer.load(flipped)).rejects.toThrow(/flipped\.ckpt: field 'checksum'/);
    await expect(trainer.load(truncated)).rejects.toThrow(/truncated\.ckpt: file is .* bytes .*truncated/);
    expect(trainer.step).toBe(2);
    (await variableValues(weightsOf(model))).forEach((w, i) => expectClose(w, stepTwo[i], 0, 0));

    await trainer.load(good);
    expect(trainer.step).toBe(1);
    const logs = await trainer.trainStep();
    expect(Number.isFinite(logs.loss)).toBe(true);
    trainer.dispose();
    model.dispose();
  }));

  it('a checkpoint of another config or architecture is refused with the field named', () => expectNoLeak(async () => {
    const options = trainerOptions({ config: { method: 'fixmatch' } });
    const trainer = await SemiSupervisedTrainer.create(options);
    const file = path.join(dir, 'fixmatch.ckpt');
    await trainer.save(file);
    const otherOptions = trainerOptions({ config: { method: 'tear', threshold: 0.9 } });
    const other = await SemiSupervisedTrainer.create(otherOptions);
    await expect(other.load(file)).rejects.toThrow(/field 'config' differs .*'method'.*'threshold'/);
    const input = tf.input({ shape: [8, 8, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const features = tf.layers.dense({ units: 4 }).apply(flat) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 3 }).apply(features) as tf.SymbolicTensor;
    const wrongModel = tf.model({ inputs: input, outputs: [logits, features] });
    const { config: _c, ...setup } = trainerOptions({ model: wrongModel });
    await expect(SemiSupervisedTrainer.resume(file, setup)).rejects.toThrow(/fixmatch\.ckpt: field 'variables'/);
    for (const t of [trainer, other]) t.dispose();
    for (const m of [options.model, otherOptions.model, wrongModel]) (m as tf.LayersModel).dispose();
  }));
});
