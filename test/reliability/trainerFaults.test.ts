import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededDropout } from '../../src/models/seededDropout';
import { readCheckpoint } from '../../src/training/checkpoint';
import { DivergenceError } from '../../src/training/divergence';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import type { FunctionModel } from '../../src/training/trainableModel';
import { NUM_CLASSES, SIDE, trainerOptions, variableValues } from '../training/fixtures';

let dir: string;
beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tear-trainer-faults-')); });
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const weightsOf = (m: tf.LayersModel): tf.Variable[] => m.weights.map((w) => w.read() as tf.Variable);

/** The fixtures' tiny CNN with a SeededDropout (rate 0.5) before the dense head. */
function dropoutModel(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [SIDE, SIDE, 1] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  const features = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const dropped = seededDropout({ rate: 0.5, salt: 1 }).apply(features) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: NUM_CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(dropped) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features] });
}

describe('trainer faults (issue 10)', () => {
  it('divergence: a non-finite loss or update stops with a DivergenceError and applies nothing of that step', async () => {
    const options = trainerOptions({ config: { method: 'fixmatch', learningRate: 1e37, totalSteps: 20 } });
    const trainer = await SemiSupervisedTrainer.create(options);
    const vars = weightsOf(options.model as tf.LayersModel);
    let error: unknown;
    let before: Float32Array[] = [];
    let stepBefore = 0;
    for (let k = 0; k < 20 && error === undefined; k++) {
      before = await variableValues(vars);
      stepBefore = trainer.step;
      await trainer.trainStep().catch((e: unknown) => { error = e; });
    }
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as DivergenceError).message).toMatch(new RegExp(`^tear-ssl: training diverged at step ${stepBefore + 1}: .* is not finite`));
    expect(trainer.step).toBe(stepBefore);
    const after = await variableValues(vars);
    after.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(before[i])));
    // the state kept is finite: it can still be saved
    await trainer.save(path.join(dir, 'finite.ckpt'));
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  });

  it('the previous-step snapshot is taken only after the objective succeeded', async () => {
    let failing = false;
    const inner = trainerOptions().model as tf.LayersModel;
    const model: FunctionModel = {
      apply: (x, training) => {
        if (failing && training) throw new Error('objective failed');
        const [logits, features] = inner.apply(x, { training }) as tf.Tensor2D[];
        return { logits, features };
      },
      trainableVariables: inner.trainableWeights.map((w) => w.read() as tf.Variable),
      nonTrainableVariables: inner.nonTrainableWeights.map((w) => w.read() as tf.Variable),
    };
    const options = trainerOptions({ model, createTeacher: async () => { const t = trainerOptions().model as tf.LayersModel; return t; }, config: { method: 'adapl', reference: 'previous' } });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.run(2);
    await trainer.save(path.join(dir, 'a.ckpt'));
    failing = true;
    await expect(trainer.trainStep()).rejects.toThrow('objective failed');
    failing = false;
    await trainer.save(path.join(dir, 'b.ckpt'));
    const a = await readCheckpoint(path.join(dir, 'a.ckpt')) as { previous: unknown; variables: { values: unknown } };
    const b = await readCheckpoint(path.join(dir, 'b.ckpt')) as { previous: unknown; variables: { values: unknown } };
    expect(b.variables.values).toEqual(a.variables.values);
    expect(b.previous).toEqual(a.previous);
    trainer.dispose();
    inner.dispose();
  });

  it('dropout masks are a function of (seed, step): resume is bit-exact with a SeededDropout model', async () => {
    const config = { method: 'fixmatch' as const, totalSteps: 4 };
    const straightModel = dropoutModel(1);
    const straight = await SemiSupervisedTrainer.create(trainerOptions({ model: straightModel, config }));
    await straight.run(4);
    const want = await variableValues(weightsOf(straightModel));

    const firstModel = dropoutModel(1);
    const first = await SemiSupervisedTrainer.create(trainerOptions({ model: firstModel, config }));
    await first.run(2);
    const file = path.join(dir, 'dropout.ckpt');
    await first.save(file);
    first.dispose();
    firstModel.dispose();

    const secondModel = dropoutModel(50);
    const { config: _c, ...setup } = trainerOptions({ model: secondModel });
    const second = await SemiSupervisedTrainer.resume(file, setup);
    await second.run(4);
    const got = await variableValues(weightsOf(secondModel));
    got.forEach((w, i) => expect(Array.from(w), `variable ${i}`).toEqual(Array.from(want[i])));
    for (const t of [straight, second]) t.dispose();
    straightModel.dispose();
    secondModel.dispose();
  });
});
