import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectLock, tryAcquireLock, type CellLock, type LockOwner } from '../../src/cli/sweep/cellLock';
import { cellPaths } from '../../src/cli/sweep/sweepCells';
import { parseSweepGrid } from '../../src/cli/sweep/sweepGrid';
import type { MetricsRecord } from '../../src/cli/metricsLog';
import { testBackend } from '../helpers/testBackend';
import { startNode } from './childProcess';

const root = mkdtempSync(join(tmpdir(), 'tear-locks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const scratch = (): string => {
  const dir = join(root, `l${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const iso = (secondsAgo: number): string => new Date(Date.now() - secondsAgo * 1000).toISOString();
const writeOwner = (lock: string, owner: LockOwner): void => {
  mkdirSync(lock, { recursive: true });
  writeFileSync(join(lock, 'owner.json'), JSON.stringify(owner));
};
const acquired = (got: ReturnType<typeof tryAcquireLock>): CellLock => {
  if (!('lock' in got)) throw new Error(`expected the lock, got ${JSON.stringify(got.busy)}`);
  return got.lock;
};

describe('cell locks', () => {
  it('one holder at a time: records host, pid and heartbeat; released only by its holder', () => {
    const lock = join(scratch(), 'sweep.lock');
    const mine = acquired(tryAcquireLock(lock, { staleSeconds: 300, job: '12_3' }));
    const owner = JSON.parse(readFileSync(join(lock, 'owner.json'), 'utf8')) as LockOwner;
    expect(owner).toMatchObject({ host: hostname(), pid: process.pid, job: '12_3', token: mine.owner.token });
    expect(Date.parse(owner.heartbeat)).toBeGreaterThan(0);
    mine.setChild(process.ppid);
    expect((JSON.parse(readFileSync(join(lock, 'owner.json'), 'utf8')) as LockOwner).child).toBe(process.ppid);
    // this process holds it, so a second try (as another sweep in this process would) is refused
    const second = tryAcquireLock(lock, { staleSeconds: 300 });
    expect('busy' in second && second.busy.kind).toBe('held');
    expect(mine.beat()).toBe(true);
    mine.release();
    expect(existsSync(lock)).toBe(false);
    expect(inspectLock(lock, 300)).toEqual({ kind: 'free' });
  });

  it('another host: held while its heartbeat is fresh, stale after the limit and then taken over', () => {
    const lock = join(scratch(), 'sweep.lock');
    writeOwner(lock, { host: 'gpu-node-03', pid: process.pid + 1, token: 'theirs', started: iso(900), heartbeat: iso(10) });
    const held = inspectLock(lock, 300);
    expect(held).toMatchObject({ kind: 'held', owner: { host: 'gpu-node-03' } });
    expect('busy' in tryAcquireLock(lock, { staleSeconds: 300 })).toBe(true);
    writeOwner(lock, { host: 'gpu-node-03', pid: process.pid + 1, token: 'theirs', started: iso(900), heartbeat: iso(400) });
    expect(inspectLock(lock, 300)).toMatchObject({ kind: 'stale', why: 'no heartbeat from gpu-node-03 (pid ' + (process.pid + 1) + ') for 400 s, more than 300 s' });
    const taken = acquired(tryAcquireLock(lock, { staleSeconds: 300 }));
    expect(taken.tookOver).toMatch(/^no heartbeat from gpu-node-03/);
    expect((JSON.parse(readFileSync(join(lock, 'owner.json'), 'utf8')) as LockOwner).host).toBe(hostname());
    expect(existsSync(`${lock}.takeover`)).toBe(false);
    taken.release();
  });

  it('this host: stale at once when its sweep and cell processes have exited, whatever the heartbeat; an old lock file too', () => {
    const lock = join(scratch(), 'sweep.lock');
    const gone = 2 ** 22 + 12345; // above the default pid_max: no such process
    writeOwner(lock, { host: hostname(), pid: gone, child: gone + 1, token: 't', started: iso(1), heartbeat: iso(1) });
    expect(inspectLock(lock, 300)).toMatchObject({ kind: 'stale', why: `its holder on this host (pid ${gone}, cell process ${gone + 1}) has exited` });
    writeOwner(lock, { host: hostname(), pid: gone, child: process.ppid, token: 't', started: iso(1), heartbeat: iso(1) });
    expect(inspectLock(lock, 300).kind).toBe('held');
    rmSync(lock, { recursive: true });
    writeFileSync(lock, JSON.stringify({ pid: process.ppid }));
    expect(inspectLock(lock, 300).kind).toBe('held');
    writeFileSync(lock, JSON.stringify({ pid: gone }));
    expect(inspectLock(lock, 300)).toMatchObject({ kind: 'stale' });
    acquired(tryAcquireLock(lock, { staleSeconds: 300 })).release();
  });

  it('a holder whose lock was taken over finds out at its next heartbeat', async () => {
    const lock = join(scratch(), 'sweep.lock');
    const mine = acquired(tryAcquireLock(lock, { staleSeconds: 1 }));
    const why = new Promise<string>((resolve) => mine.keepAlive(1, resolve));
    writeOwner(lock, { host: 'other', pid: 1, token: 'new holder', started: iso(0), heartbeat: iso(0) });
    expect(await why).toBe(`${lock} now belongs to host other, pid 1`);
    expect(mine.beat()).toBe(false);
    mine.release(); // not its own any more: left alone
    expect(existsSync(join(lock, 'owner.json'))).toBe(true);
  });

  it('real processes racing for a free lock and for a stale one: exactly one takes each', async () => {
    const base = scratch();
    const rounds = 3;
    // round 1: a stale lock of another host; round 2: one of a dead process on this host
    writeOwner(join(base, 'lock-1'), { host: 'gone-host', pid: 1, token: 'a', started: iso(4000), heartbeat: iso(4000) });
    writeOwner(join(base, 'lock-2'), { host: hostname(), pid: 2 ** 22 + 7, token: 'b', started: iso(1), heartbeat: iso(1) });
    const contenders = Array.from({ length: 5 }, () => startNode(['test/cli/fixtures/lockContender.ts', base, String(rounds), '300']));
    try {
      for (let i = 0; i < rounds; i++) {
        await Promise.all(contenders.map((c) => c.waitFor(new RegExp(`^ready ${i}$`))));
        writeFileSync(join(base, `go-${i}`), '');
        const results = await Promise.all(contenders.map((c) => c.waitFor(new RegExp(`^round ${i} (took|busy)`))));
        const took = results.filter((r) => r.includes(' took'));
        expect(took, results.join('\n')).toHaveLength(1);
        // (a contender may find the folder gone in the instant between another's take-over moving the stale
        // lock aside and creating its own, and take it as free: still one holder)
        expect(took[0]).toMatch(i === 0 ? /took free$/ : i === 1 ? /took (free|no heartbeat from gone-host)/ : /took (free|its holder on this host)/);
        writeFileSync(join(base, `release-${i}`), '');
      }
      expect(await Promise.all(contenders.map((c) => c.exited))).toEqual([0, 0, 0, 0, 0]);
    } finally {
      for (const c of contenders) c.child.kill('SIGKILL');
    }
    for (let i = 0; i < rounds; i++) expect(existsSync(join(base, `lock-${i}`))).toBe(false);
  }, 60_000);

  // Slow (real training): once, in the default cpu pass.
  it.skipIf(testBackend() !== 'cpu')('three tear-ssl sweep processes on one grid: every cell is trained once, by one of them', async () => {
    const dir = scratch();
    const file = join(dir, 'sweep.json');
    const base = { dataset: 'digits', labels: 20, validation: 0, test: 40, steps: 4, batchSize: 8, mu: 2, evalEvery: 0, checkpointEvery: 2, logEvery: 2, backend: 'cpu' };
    writeFileSync(file, JSON.stringify({ name: 'race', base, grids: [{ method: ['supervised', 'fixmatch'], seed: [0, 1] }] }));
    const grid = parseSweepGrid(JSON.parse(readFileSync(file, 'utf8')), file);
    const sweeps = Array.from({ length: 3 }, () => startNode(['src/cli/main.ts', 'sweep', file]));
    const codes = await Promise.all(sweeps.map((s) => s.exited));
    const output = sweeps.map((s, i) => `sweep ${i}:\n${s.lines.join('\n')}`).join('\n');
    expect(codes, output).toEqual([0, 0, 0]);
    for (const cell of grid.cells) {
      const paths = cellPaths(dir, cell);
      expect(existsSync(paths.result), `${cell.id}\n${output}`).toBe(true);
      const runs = readFileSync(join(paths.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricsRecord).filter((r) => r.type === 'run');
      expect(runs, `${cell.id} was trained more than once\n${output}`).toHaveLength(1);
      expect(sweeps.flatMap((s) => s.lines).filter((l) => l === `start ${cell.id}`), output).toHaveLength(1);
      expect(existsSync(paths.lock)).toBe(false);
    }
  }, 240_000);
});
