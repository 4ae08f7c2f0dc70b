import { check } from '../util/checks';

/** Checks `[h, w, c]` positive integers with h, w ≥ minSide. */
export function checkInputShape(shape: unknown, fn: string, minSide: number): asserts shape is [number, number, number] {
  check(Array.isArray(shape) && shape.length === 3 && shape.every((d) => Number.isInteger(d) && d > 0), fn,
    () => `option 'inputShape' must be [height, width, channels] positive integers, got ${JSON.stringify(shape)}`);
  check(shape[0] >= minSide && shape[1] >= minSide, fn,
    () => `option 'inputShape' [${shape.join(',')}] needs height and width ≥ ${minSide}`);
}
