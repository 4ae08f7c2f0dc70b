import { Random } from '../state/random';

/** A seeded uniform permutation of `items` (Fisher–Yates driven by `new Random(seed)`); the input is not changed. */
export function seededPermutation(items: ArrayLike<number>, seed: number): Int32Array {
  const out = Int32Array.from(items);
  const rng = new Random(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
