/**
 * When a machine is quiet enough to time on: the 1-minute load average at most this per core, at the start
 * and at the end of a run. `npm run bench -- --record` refuses to record otherwise (unless --allow-busy),
 * and docs/benchmarks.md marks a busy record (scripts/renderDocs.ts).
 */
export const BUSY_LOAD_PER_CORE = 0.5;
