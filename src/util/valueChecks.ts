/**
 * Value-reading argument checks (a range or finiteness test that reads a tensor back) cost a device round
 * trip each: on a GPU backend, a pipeline stall. Users calling the pure functions get them; the trainer's
 * hot path runs its objective inside `deferValueChecks`, where they are skipped because the trainer checks
 * the same things once at its boundary (the first batch's sample ids) and after the step (any non-finite
 * loss or weight is a DivergenceError naming the step and the checkpoint).
 *
 * The scope is a counter around a synchronous call (the objective runs inside tf.variableGrads, which is
 * synchronous), so it cannot leak into other work.
 */
let depth = 0;

/** Runs `fn` (synchronous) with value-reading argument checks deferred to the caller; returns its result. */
export function deferValueChecks<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/** True inside `deferValueChecks`: value-reading checks are skipped, non-finite inputs give NaN results instead of errors. */
export function valueChecksDeferred(): boolean {
  return depth > 0;
}
