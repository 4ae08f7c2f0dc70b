import type * as tf from '@tensorflow/tfjs';

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` `warmup` times untimed, then `steps` times timed; returns the per-call milliseconds. */
export async function timeCalls(fn: () => unknown | Promise<unknown>, warmup: number, steps: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Per-kernel milliseconds and call counts of a tf.profile result (the `…__op` wrappers left out: they double-count). */
export function kernelTable(info: Awaited<ReturnType<typeof tf.profile>>): Map<string, { ms: number; calls: number }> {
  const total = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    if (k.name.endsWith('__op')) continue;
    const e = total.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs);
    e.calls += 1;
    total.set(k.name, e);
  }
  return total;
}
