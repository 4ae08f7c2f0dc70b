import * as os from 'node:os';

/**
 * When a machine is quiet enough to time on: the 1-minute load average at most this per core, at the start
 * and at the end of a run. `npm run bench -- --record` refuses to record otherwise (unless --allow-busy),
 * and docs/benchmarks.md marks a busy record (scripts/renderDocs.ts).
 */
export const BUSY_LOAD_PER_CORE = 0.5;

/**
 * Waits (polling every 5 s, at most `maxSeconds`) until the 1-minute load average is at most
 * BUSY_LOAD_PER_CORE per core, and returns the load then and the seconds waited. A benchmark's own work
 * keeps the 1-minute average up for a minute or two after it ends (it decays with a one-minute time
 * constant), so the end of a run is judged after this cool-down: if the load falls, nothing else was
 * running; if it stays up, something was.
 */
export async function waitForQuiet(maxSeconds: number, loadavg: () => number = () => os.loadavg()[0]): Promise<{ load: number; waitedSeconds: number }> {
  const limit = BUSY_LOAD_PER_CORE * os.cpus().length;
  const t0 = Date.now();
  while (loadavg() > limit && Date.now() - t0 < maxSeconds * 1000) await new Promise((r) => setTimeout(r, 5000));
  return { load: loadavg(), waitedSeconds: Math.round((Date.now() - t0) / 1000) };
}
