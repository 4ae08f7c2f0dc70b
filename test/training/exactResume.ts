import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { readCheckpoint } from '../../src/training/checkpoint';
import type { TrainerConfigInput } from '../../src/training/config';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { tinyModel, trainerOptions, variableValues } from './fixtures';

const weightsOf = (m: tf.LayersModel): tf.Variable[] => m.weights.map((w) => w.read() as tf.Variable);

/** N steps straight vs k steps + save + resume (fresh model, other init) + N − k steps: logs, weights, EMA and every state bit-identical. */
export async function checkResume(config: Partial<TrainerConfigInput>, n: number, k: number, file: string): Promise<void> {
  const straightOptions = trainerOptions({ config });
  const straight = await SemiSupervisedTrainer.create(straightOptions);
  const straightLogs = await straight.run(n);
  const straightWeights = await variableValues(weightsOf(straightOptions.model as tf.LayersModel));
  const straightEma = await variableValues(weightsOf(straight.emaModel as tf.LayersModel));
  const straightFile = `${file}.straight`;
  await straight.save(straightFile);

  const firstOptions = trainerOptions({ config });
  const first = await SemiSupervisedTrainer.create(firstOptions);
  await first.run(k);
  await first.save(file);
  first.dispose();
  (firstOptions.model as tf.LayersModel).dispose();

  const secondModel = tinyModel(99);
  const { config: _unused, ...setup } = trainerOptions({ model: secondModel });
  const second = await SemiSupervisedTrainer.resume(file, setup);
  expect(second.step).toBe(k);
  const resumedLogs = await second.run(n);
  expect(resumedLogs.length).toBe(n - k);
  resumedLogs.forEach((logs, i) => {
    for (const key of ['loss', 'supervised', 'unlabeled', 'iph', 'maskRate', 'lr'] as const) {
      expect(logs[key], `step ${k + i} ${key}`).toBe(straightLogs[k + i][key]);
    }
  });
  (await variableValues(weightsOf(secondModel))).forEach((w, i) => expect(Array.from(w), `weight ${i}`).toEqual(Array.from(straightWeights[i])));
  (await variableValues(weightsOf(second.emaModel as tf.LayersModel))).forEach((w, i) => expect(Array.from(w), `EMA ${i}`).toEqual(Array.from(straightEma[i])));
  const resumedFile = `${file}.resumed`;
  await second.save(resumedFile);
  const statesOf = async (f: string) => ((await readCheckpoint(f)) as { states: Record<string, unknown> }).states;
  expect(await statesOf(resumedFile)).toEqual(await statesOf(straightFile));
  second.dispose();
  secondModel.dispose();
  straight.dispose();
  (straightOptions.model as tf.LayersModel).dispose();
}
