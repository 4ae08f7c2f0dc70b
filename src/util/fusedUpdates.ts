import * as tf from '@tensorflow/tfjs';

/**
 * Batched per-variable updates. The optimizer, gradient clipping and the EMA run the same
 * element-wise ops on every variable; on tfjs-node each op is a fixed-cost kernel launch, so a model
 * with many small variables (WRN-28-2: 25 batch norms, ≈ 80 trainable variables) pays for hundreds of
 * tiny launches per step. {@link groupedElementwise} concatenates variables whose shapes agree after
 * the first axis (all vectors, conv kernels of one shape) along axis 0, runs the ops once per group
 * and splits the results back. Element-wise float32 ops compute each element alone, so the results
 * are bit-identical to the per-variable form (test/training/fusedUpdates.test.ts).
 *
 * `setFusedUpdates(false)` switches every batched path back to the per-variable one, for A/B timing
 * (bench/ab.ts) and kernel counts (bench/kernelCount.ts --legacy); not part of the public API.
 */
let fused = true;

/** Whether the batched update paths are on (default). */
export function fusedUpdates(): boolean {
  return fused;
}

/** Turns the batched update paths on (default) or off (the per-variable paths, same results). */
export function setFusedUpdates(on: boolean): void {
  fused = on;
}

/**
 * Tensors larger than this (elements) are updated alone: for them the launch cost is small next to
 * the work, and concatenating would only add copies.
 */
export const MAX_GROUPED_SIZE = 1 << 16;

/** One variable's inputs to an element-wise update; `group` separates variables that must not share ops (e.g. decay or not). */
export interface GroupedItem {
  key: string;
  inputs: tf.Tensor[];
  group?: string;
}

/**
 * `fn(inputs)` for every item, with items batched: items of one `group`, dtype and shape after the
 * first axis (every input the shape of the first) are concatenated along axis 0, `fn` runs once on
 * the concatenations and each output is split back. `fn` must be element-wise (each output the shape
 * of the inputs, each element a function of the same element of the inputs and of scalars).
 * Returns new tensors by key, as `fn` would per item; the inputs stay owned by the caller. Items of
 * rank 0, larger than MAX_GROUPED_SIZE, or alone in their group run alone, as do all with
 * setFusedUpdates(false).
 */
export function groupedElementwise(items: readonly GroupedItem[], fn: (inputs: tf.Tensor[]) => tf.Tensor[]): Record<string, tf.Tensor[]> {
  const out: Record<string, tf.Tensor[]> = {};
  const groups = new Map<string, GroupedItem[]>();
  for (const item of items) {
    const [first] = item.inputs;
    const alone = !fused || first.rank === 0 || first.size > MAX_GROUPED_SIZE
      || item.inputs.some((t) => t.dtype !== first.dtype || !sameShape(t.shape, first.shape));
    const id = alone ? `\u0000${item.key}` : `${item.group ?? ''}|${first.dtype}|${item.inputs.length}|${first.shape.slice(1).join(',')}`;
    const members = groups.get(id);
    if (members === undefined) groups.set(id, [item]);
    else members.push(item);
  }
  for (const members of groups.values()) {
    if (members.length === 1) {
      const [item] = members;
      out[item.key] = tf.tidy(() => fn(item.inputs));
      continue;
    }
    const sizes = members.map((m) => m.inputs[0].shape[0]);
    const parts = tf.tidy(() => {
      const results = fn(members[0].inputs.map((_, i) => tf.concat(members.map((m) => m.inputs[i]), 0)));
      return results.map((r) => tf.split(r, sizes, 0));
    });
    members.forEach((m, j) => { out[m.key] = parts.map((p) => p[j]); });
  }
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
