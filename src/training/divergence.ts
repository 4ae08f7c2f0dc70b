import * as tf from '@tensorflow/tfjs';

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
 * are finite. One read of one boolean per tensor (a single sync).
 */
export async function firstNonFinite(tensors: Record<string, tf.Tensor>): Promise<string | undefined> {
  const names = Object.keys(tensors).filter((k) => tensors[k].dtype === 'float32' && tensors[k].size > 0);
  if (names.length === 0) return undefined;
  const flags = tf.tidy(() => tf.stack(names.map((k) => tf.all(tf.isFinite(tensors[k])).toInt())));
  const finite = await flags.data();
  flags.dispose();
  const at = finite.findIndex((v) => v === 0);
  return at < 0 ? undefined : names[at];
}
