import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../checkpointFiles';

/**
 * Who trains a cell, as recorded in its lock (`<cell>/sweep.lock/owner.json`). The heartbeat is the
 * holder's clock; hosts sharing a sweep folder must keep their clocks in step (NTP) to well within the
 * stale limit.
 */
export interface LockOwner {
  host: string;
  /** The sweep process holding the lock (it writes the heartbeat). */
  pid: number;
  /** The process training the cell (a child of `pid`), once started. */
  child?: number;
  /** Unique per acquisition: a holder knows its lock was taken over when the token changes. */
  token: string;
  started: string;
  heartbeat: string;
  /** The scheduler's name for the holder (Slurm `<job>_<task>`, a Kubernetes pod), when there is one. */
  job?: string;
}

/** What a lock says about its cell. */
export type LockState =
  | { kind: 'free' }
  | { kind: 'held'; owner?: LockOwner; ageSeconds: number }
  | { kind: 'stale'; owner?: LockOwner; why: string };

/** Default seconds without a heartbeat after which a lock is stale (`--lock-stale-after`). */
export const DEFAULT_STALE_SECONDS = 300;

/** Seconds between heartbeats for a stale limit: a tenth of it, between 0.2 and 30 seconds. */
export const heartbeatSeconds = (staleSeconds: number): number => Math.min(30, Math.max(0.2, staleSeconds / 10));

const OWNER = 'owner.json';
const thisHost = (): string => hostname();

/**
 * What the lock folder `dir` says, judged on this host at `now` (ms):
 * - no folder: free;
 * - a holder on this host whose sweep process and cell process have both exited: stale at once;
 * - a heartbeat older than `staleSeconds` (by this host's clock): stale, on any host;
 * - a folder without a readable owner.json (being created, or its creator died in between): stale once
 *   the folder itself is older than `staleSeconds`;
 * - a `sweep.lock` *file* (tear-ssl before 0.2: a local pid only): held while that pid lives here.
 * Otherwise held.
 */
export function inspectLock(dir: string, staleSeconds: number, now = Date.now()): LockState {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    return { kind: 'free' };
  }
  if (!isDir) {
    let pid = NaN;
    try {
      pid = Number((JSON.parse(readFileSync(dir, 'utf8')) as { pid?: number }).pid);
    } catch { /* unreadable: stale */ }
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)
      ? { kind: 'held', owner: { host: thisHost(), pid, token: 'legacy', started: '', heartbeat: '' }, ageSeconds: 0 }
      : { kind: 'stale', why: `${dir} is a lock file of an older tear-ssl whose process (${Number.isNaN(pid) ? 'unreadable' : pid}) is gone` };
  }
  const owner = readOwner(dir);
  if (owner === undefined) {
    const age = ageOf(dir, now);
    return age > staleSeconds ? { kind: 'stale', why: `${dir} has no readable ${OWNER} and is ${age.toFixed(0)} s old` } : { kind: 'held', ageSeconds: age };
  }
  const age = (now - Date.parse(owner.heartbeat)) / 1000;
  if (owner.host === thisHost()) {
    const alive = [owner.pid, owner.child].filter((p): p is number => p !== undefined && p !== process.pid && processAlive(p));
    if (alive.length === 0 && owner.pid !== process.pid) {
      return { kind: 'stale', owner, why: `its holder on this host (pid ${owner.pid}${owner.child ? `, cell process ${owner.child}` : ''}) has exited` };
    }
  }
  if (!Number.isFinite(age)) return { kind: 'stale', owner, why: `${join(dir, OWNER)} has no valid heartbeat time` };
  if (age > staleSeconds) {
    return { kind: 'stale', owner, why: `no heartbeat from ${owner.host} (pid ${owner.pid}) for ${age.toFixed(0)} s, more than ${staleSeconds} s` };
  }
  return { kind: 'held', owner, ageSeconds: Math.max(0, age) };
}

/** "host vm, pid 123 (job 45_2), heartbeat 3 s ago" for messages. */
export function describeHolder(state: Extract<LockState, { kind: 'held' }>): string {
  const o = state.owner;
  if (o === undefined) return 'a process that is just taking it';
  return `host ${o.host}, pid ${o.pid}${o.job ? ` (job ${o.job})` : ''}, heartbeat ${state.ageSeconds.toFixed(0)} s ago`;
}

/** A cell lock this process holds. */
export interface CellLock {
  readonly dir: string;
  readonly owner: LockOwner;
  /** Why the lock was stale, when this acquisition took it over from a dead holder. */
  readonly tookOver?: string;
  /** Records the process that trains the cell (same-host liveness checks look at it too). */
  setChild(pid: number): void;
  /** Writes a new heartbeat if the lock is still this holder's; false (and nothing written) when it is not. */
  beat(): boolean;
  /** Beats every {@link heartbeatSeconds}; calls `onLost` once (and stops) if the lock was taken over. */
  keepAlive(staleSeconds: number, onLost: (why: string) => void): void;
  /** Stops the heartbeat and removes the lock if it is still this holder's. */
  release(): void;
}

/**
 * Takes the lock folder `dir` for this process, atomically (mkdir succeeds for one process only, on a
 * local disk and on NFS alike). A stale lock (see {@link inspectLock}) is taken over under a second
 * atomic guard, `<dir>.takeover`, re-checked there, so of several sweeps that find the same stale lock
 * one takes it and the others see it held. Returns the lock, or the state of the lock that kept it.
 * (A guard left by a sweep that died inside this function is removed once it is stale; should two
 * sweeps then slip through at once, the loser finds at its next heartbeat that the lock is not its own
 * and kills its cell process.)
 */
export function tryAcquireLock(dir: string, opts: { staleSeconds: number; job?: string }): { lock: CellLock } | { busy: LockState } {
  const fresh = create(dir, opts.job);
  if (fresh !== undefined) return { lock: fresh };
  const state = inspectLock(dir, opts.staleSeconds);
  if (state.kind === 'free') {
    const again = create(dir, opts.job);
    return again === undefined ? { busy: inspectLock(dir, opts.staleSeconds) } : { lock: again };
  }
  if (state.kind === 'held') return { busy: state };
  const guard = `${dir}.takeover`;
  try {
    mkdirSync(guard);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another sweep is taking it over; a guard left by one that died mid-way is removed once it is stale.
    if (ageOf(guard, Date.now()) > opts.staleSeconds) rmSync(guard, { recursive: true, force: true });
    return { busy: { kind: 'held', ageSeconds: 0 } };
  }
  try {
    const now = inspectLock(dir, opts.staleSeconds);
    if (now.kind === 'held' || (now.kind === 'stale' && now.owner?.token !== state.owner?.token)) return { busy: now };
    if (now.kind === 'stale') {
      // Moved aside first, so that no one ever sees a half-removed lock.
      const aside = `${dir}.stale-${randomBytes(4).toString('hex')}`;
      renameSync(dir, aside);
      rmSync(aside, { recursive: true, force: true });
    }
    const lock = create(dir, opts.job, now.kind === 'stale' ? now.why : undefined);
    return lock === undefined ? { busy: inspectLock(dir, opts.staleSeconds) } : { lock };
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
}

/** mkdir `dir` and write its owner; undefined when it exists. */
function create(dir: string, job: string | undefined, tookOver?: string): CellLock | undefined {
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  }
  const now = new Date().toISOString();
  const owner: LockOwner = { host: thisHost(), pid: process.pid, token: randomBytes(8).toString('hex'), started: now, heartbeat: now, ...(job ? { job } : {}) };
  writeOwner(dir, owner);
  let timer: NodeJS.Timeout | undefined;
  const mine = (): boolean => readOwner(dir)?.token === owner.token;
  const lock: CellLock = {
    dir, owner, ...(tookOver ? { tookOver } : {}),
    setChild(pid) {
      owner.child = pid;
      if (mine()) writeOwner(dir, owner);
    },
    beat() {
      if (!mine()) return false;
      owner.heartbeat = new Date().toISOString();
      writeOwner(dir, owner);
      return true;
    },
    keepAlive(staleSeconds, onLost) {
      timer = setInterval(() => {
        let ok: boolean;
        try {
          ok = lock.beat();
        } catch {
          // A write that fails (a full disk, a lost mount) is tried again at the next beat; the lock goes stale if it keeps failing.
          ok = existsSync(dir);
        }
        if (!ok) {
          clearInterval(timer);
          const now = readOwner(dir);
          onLost(now === undefined ? `${dir} was removed` : `${dir} now belongs to host ${now.host}, pid ${now.pid}`);
        }
      }, heartbeatSeconds(staleSeconds) * 1000);
      timer.unref();
    },
    release() {
      if (timer !== undefined) clearInterval(timer);
      if (!mine()) return;
      const aside = `${dir}.released-${randomBytes(4).toString('hex')}`;
      renameSync(dir, aside);
      rmSync(aside, { recursive: true, force: true });
    },
  };
  return lock;
}

/** Replaces owner.json atomically (a temporary in the lock folder, then rename). */
function writeOwner(dir: string, owner: LockOwner): void {
  const temp = join(dir, `${OWNER}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(temp, `${JSON.stringify(owner)}\n`);
  renameSync(temp, join(dir, OWNER));
}

function readOwner(dir: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(join(dir, OWNER), 'utf8')) as LockOwner;
    return typeof o.host === 'string' && Number.isInteger(o.pid) && typeof o.token === 'string' && typeof o.heartbeat === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds since `path` was last modified (0 when it is gone). */
function ageOf(path: string, now: number): number {
  try {
    return Math.max(0, (now - statSync(path).mtimeMs) / 1000);
  } catch {
    return 0;
  }
}
