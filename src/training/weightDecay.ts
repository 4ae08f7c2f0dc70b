/**
 * Which variables receive weight decay, decided by the variable's name.
 *
 * Rule (the TEAR release decays conv and dense weights and biases, never batch norm):
 * a variable is exempt when the last segment of its name (after the final '/') starts with
 * `gamma` or `beta` (batch-norm / layer-norm scale and offset, as tfjs-layers names them:
 * `batch_normalization_1/gamma`, `.../beta`), or when the name contains `moving_mean` or
 * `moving_variance` (batch-norm statistics, which are not trainable anyway).
 * Every other variable (`.../kernel`, `.../bias`, `.../depthwise_kernel`, custom names) decays.
 * A `_<n>` suffix that tfjs appends to make names unique is ignored.
 */
export function appliesWeightDecay(name: string): boolean {
  if (isBatchNormStatistic(name)) return false;
  const last = name.slice(name.lastIndexOf('/') + 1);
  return !/^(gamma|beta)(_\d+)?$/.test(last);
}

/** True for batch-norm moving statistics (`moving_mean`, `moving_variance`): copied into the EMA, never averaged. */
export function isBatchNormStatistic(name: string): boolean {
  return name.includes('moving_mean') || name.includes('moving_variance');
}
