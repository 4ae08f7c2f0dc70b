import * as tf from '@tensorflow/tfjs';
import { fusedUpdates } from '../util/fusedUpdates';

/**
 * Training diverged: a step's loss or its updated weights are NaN or ±Inf. Thrown before anything of
 * that step is applied, so the trainer (and every checkpoint) keeps the last finite state.
 */
export class DivergenceError extends Error {
  override name = 'DivergenceError';

  /** `step`: the step that failed (0-based, = steps completed); `tensor`: what was not finite; `advice`: what to do (a default is given). */
  constructor(readonly step: number, readonly tensor: string, advice = 'lower the learning rate or clip the gradients') {
    super(`tear-ssl: training diverged at step ${step + 1}: ${tensor} is not finite (NaN or ±Inf); nothing of that step was applied ` +
      `(the trainer keeps its state after step ${step}); ${advice}`);
  }
}

/**
 * The name of the first tensor in `tensors` (in key order) holding NaN or ±Inf, or undefined when all
 * are finite. One read (a single sync): the sum of every tensor, one kernel each. A sum is finite when
 * its tensor is (NaN and ±Inf propagate through a sum); a non-finite sum of finite values (overflow)
 * is told apart by the exact per-tensor check, which then runs (a second read, only then).
 */
export async function firstNonFinite(tensors: Record<string, tf.Tensor>): Promise<string | undefined> {
  const names = Object.keys(tensors).filter((k) => tensors[k].dtype === 'float32' && tensors[k].size > 0);
  if (names.length === 0) return undefined;
  if (!fusedUpdates()) return exactFirstNonFinite(tensors, names);
  const sums = tf.tidy(() => tf.stack(names.map((k) => tf.sum(tensors[k]))));
  const values = await sums.data();
  sums.dispose();
  if (values.every((v) => Number.isFinite(v))) return undefined;
  return exactFirstNonFinite(tensors, names);
}

/** One boolean per tensor: all elements finite. */
async function exactFirstNonFinite(tensors: Record<string, tf.Tensor>, names: string[]): Promise<string | undefined> {
  const flags = tf.tidy(() => tf.stack(names.map((k) => tf.all(tf.isFinite(tensors[k])).toInt())));
  const finite = await flags.data();
  flags.dispose();
  const at = finite.findIndex((v) => v === 0);
  return at < 0 ? undefined : names[at];
}
