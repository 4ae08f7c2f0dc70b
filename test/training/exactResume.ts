import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../../src/training/checkpoint';
import type { TrainerConfigInput } from '../../src/training/config';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { tinyModel, trainerOptions, variableValues } from './fixtures';

/** A layers model's weights as variables, in order. */
export const weightsOf = (m: tf.LayersModel): tf.Variable[] => m.weights.map((w) => w.read() as tf.Variable);

/** The checkpoints' `states` (every component's state) as read back from a file. */
const statesOf = async (file: string): Promise<Record<string, unknown>> => ((await readCheckpoint(file)) as { states: Record<string, unknown> }).states;

/** How checkResume treats the checkpoint and the component states. */
export interface ResumeCheckOptions {
  /** Rewrites the k-step checkpoint before it is resumed (e.g. into an older format). */
  rewrite?: (payload: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Compares the states after N steps: the straight run and the resumed run are saved to `${file}.straight` and
   * `${file}.resumed`, and this is called with (resumed file, straight file). Default: the whole `states` of the
   * two checkpoints must be equal. `false`: neither is saved, nothing is compared.
   */
  compareStates?: ((resumedFile: string, straightFile: string) => Promise<void>) | false;
}

/**
 * N steps straight vs k steps + save + resume (fresh model, other init) + N − k steps: logs, weights and EMA
 * bit-identical, and the component states as `options.compareStates` says (by default all of them, bit-identical).
 */
export async function checkResume(
  config: Partial<TrainerConfigInput>, n: number, k: number, file: string, options: ResumeCheckOptions = {},
): Promise<void> {
  const { rewrite, compareStates = async (resumed, straight) => expect(await statesOf(resumed)).toEqual(await statesOf(straight)) } = options;
  const straightOptions = trainerOptions({ config });
  const straight = await SemiSupervisedTrainer.create(straightOptions);
  const straightLogs = await straight.run(n);
  const straightWeights = await variableValues(weightsOf(straightOptions.model as tf.LayersModel));
  const straightEma = await variableValues(weightsOf(straight.emaModel as tf.LayersModel));
  const straightFile = `${file}.straight`;
  if (compareStates) await straight.save(straightFile);

  const firstOptions = trainerOptions({ config });
  const first = await SemiSupervisedTrainer.create(firstOptions);
  await first.run(k);
  await first.save(file);
  if (rewrite) await writeCheckpoint(file, rewrite((await readCheckpoint(file)) as Record<string, unknown>));
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
      expect(logs[key], `step ${k + i} ${key}`).toBe(straightLogs[k + i][key]); // bit-identical on the same backend
    }
  });
  (await variableValues(weightsOf(secondModel))).forEach((w, i) => expect(Array.from(w), `weight ${i}`).toEqual(Array.from(straightWeights[i])));
  (await variableValues(weightsOf(second.emaModel as tf.LayersModel))).forEach((w, i) => expect(Array.from(w), `EMA ${i}`).toEqual(Array.from(straightEma[i])));
  if (compareStates) {
    const resumedFile = `${file}.resumed`;
    await second.save(resumedFile);
    await compareStates(resumedFile, straightFile);
  }
  second.dispose();
  secondModel.dispose();
  straight.dispose();
  (straightOptions.model as tf.LayersModel).dispose();
}
