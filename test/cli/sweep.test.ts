import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliUsageError } from '../../src/cli/cliError';
import { memoryIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/runCli';
import type { CellResult } from '../../src/cli/sweep/cellResult';
import { cellResultFrom, stepTiming } from '../../src/cli/sweep/cellResult';
import { docMarkers, renderResultsDoc } from '../../src/cli/sweep/renderResultsDoc';
import { childProcessLauncher, runSweep, type CellLauncher } from '../../src/cli/sweep/runSweep';
import type { LockOwner } from '../../src/cli/sweep/cellLock';
import { cellPaths } from '../../src/cli/sweep/sweepCells';
import { parseSweepGrid, runOrder, type SweepGrid } from '../../src/cli/sweep/sweepGrid';
import { estimatorChoice, meanStd, pairedDifferences, resultsMarkdown } from '../../src/cli/sweep/sweepResults';
import { testBackend } from '../helpers/testBackend';
import { startNode } from './childProcess';

const root = mkdtempSync(join(tmpdir(), 'tear-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const scratch = (): string => {
  const dir = join(root, `s${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const tinyBase = { dataset: 'digits', labels: 20, validation: 20, test: 40, steps: 8, batchSize: 8, mu: 2, evalEvery: 4, checkpointEvery: 2, logEvery: 2, backend: 'cpu' };

describe('sweep grid files', () => {
  it('expands the union of products, dedupes cells and orders them seed first', () => {
    const grid = parseSweepGrid({ name: 'g', base: { dataset: 'digits', steps: 10 },
      grids: [{ method: ['fixmatch', 'tear'], seed: [0, 1] }, { method: 'tear', seed: [1, 2] }] }, 'g.json');
    // grid 2 gives method-tear.seed-1 again (same settings, one cell) and method-tear.seed-2.
    expect(grid.cells.map((c) => c.id)).toEqual(['method-fixmatch.seed-0', 'method-fixmatch.seed-1', 'method-tear.seed-0', 'method-tear.seed-1', 'method-tear.seed-2']);
    expect(runOrder(grid).map((c) => c.id)).toEqual(['method-fixmatch.seed-0', 'method-tear.seed-0', 'method-fixmatch.seed-1', 'method-tear.seed-1', 'method-tear.seed-2']);
    expect(grid.cells[3].settings).toMatchObject({ dataset: 'digits', steps: 10, method: 'tear', seed: 1 });
    expect(grid.cells[3].axes).toEqual({ method: 'tear', seed: 1 });
  });

  it('names the file, the grid and the key of every mistake', () => {
    const bad = (obj: unknown) => () => parseSweepGrid(obj, 'study.json');
    expect(bad([])).toThrow(CliUsageError);
    expect(bad({ grids: [{}], colour: 1 })).toThrow("sweep file study.json: unknown key 'colour'");
    expect(bad({ grids: [] })).toThrow("'grids' must be a non-empty array");
    expect(bad({ grids: [{ out: 'x' }] })).toThrow("study.json (grids[0]): 'out' is set by the sweep");
    expect(bad({ base: { resume: 'x' }, grids: [{}] })).toThrow("study.json (base): 'resume' is set by the sweep");
    expect(bad({ grids: [{ seed: [] }] })).toThrow("axis 'seed' is empty");
    expect(bad({ grids: [{ seed: [1, 1] }] })).toThrow("axis 'seed' repeats a value");
    expect(bad({ grids: [{ method: ['fixmatch', 'fixmach'] }] })).toThrow(/study.json \(grids\[0\]\): key 'method' must be one of/);
    expect(bad({ base: { batchSize: '32' }, grids: [{}] })).toThrow(/study.json \(base\): key 'batchSize' must be a positive integer, got "32" \(string\)/);
    expect(bad({ grids: [{ labels: 40 }], keepCheckpoints: 'some' })).toThrow("'keepCheckpoints' must be \"final\" or \"none\"");
  });
});

/** Writes a lock as a sweep on `owner.host` would (cellLock.ts's layout: a folder with owner.json). */
function writeOwner(lock: string, owner: LockOwner): void {
  mkdirSync(lock, { recursive: true });
  writeFileSync(join(lock, 'owner.json'), JSON.stringify(owner));
}

/** A launcher that trains nothing: it records argv and writes the metrics a finished run would. */
function fakeLauncher(calls: string[][], opts: { fail?: string } = {}): CellLauncher {
  return async (argv, paths, onStart) => {
    calls.push(argv);
    onStart(process.pid);
    if (opts.fail !== undefined && paths.dir.endsWith(opts.fail)) return 1;
    const steps = JSON.parse(readFileSync(argv[argv.indexOf('--config') + 1], 'utf8')).steps as number;
    const t = (s: number) => new Date(Date.UTC(2026, 10, 30, 0, 0, s)).toISOString();
    const test = (model: string, top1: number) => ({ type: 'eval', step: steps, time: t(99), split: 'test', model, top1, balancedAccuracy: top1, macroF1: top1, macroAuc: 0.9 });
    const lines = [
      { type: 'run', time: t(0), startStep: 0, settings: {}, backend: 'cpu (fake)' },
      { type: 'step', step: steps / 2, time: t(1), maskRate: 0.2 },
      { type: 'step', step: steps, time: t(5), maskRate: 0.4, naiveAuroc: 0.7, 'candidate.kl.spearman': 0.1 },
      test('ema', 0.5), test('student', 0.4),
    ];
    writeFileSync(join(paths.dir, 'metrics.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    return 0;
  };
}

describe('runSweep', () => {
  const grid = (file: string, steps = 8): SweepGrid => parseSweepGrid({ name: 'tiny', base: { ...tinyBase, steps }, grids: [{ method: ['fixmatch', 'tear'], seed: [0, 1] }] }, file);

  it('runs only what is missing: skips finished cells, resumes from checkpoints, restarts folders without one, refuses changed settings', async () => {
    const out = scratch();
    const g = grid(join(out, 'sweep.json'));
    const calls: string[][] = [];
    const first = await runSweep(g, { launcher: fakeLauncher(calls), maxCells: 2 });
    expect(first.finished).toEqual(['method-fixmatch.seed-0', 'method-tear.seed-0']);
    expect(calls.every((a) => !a.includes('--resume'))).toBe(true);
    expect(existsSync(join(out, 'results.md'))).toBe(true);
    // the cell's config holds no machine path: its folder is passed on the command line
    const p0 = cellPaths(out, g.cells[0]);
    expect(JSON.parse(readFileSync(p0.config, 'utf8'))).not.toHaveProperty('out');
    expect(calls[0].slice(calls[0].indexOf('--out'), calls[0].indexOf('--out') + 2)).toEqual(['--out', p0.dir]);

    // method-fixmatch.seed-1 was interrupted after a checkpoint; method-tear.seed-1 before its first one.
    const [c2, c3] = g.cells.filter((c) => c.id.endsWith('seed-1')).map((c) => cellPaths(out, c));
    mkdirSync(join(c2.dir, 'checkpoints'), { recursive: true });
    writeFileSync(join(c2.dir, 'checkpoints', 'step-00000004.ckpt'), 'x');
    mkdirSync(c3.dir, { recursive: true });
    writeFileSync(join(c3.dir, 'metrics.jsonl'), 'half a line');
    calls.length = 0;
    const second = await runSweep(g, { launcher: fakeLauncher(calls) });
    expect(second.plan.map((p) => p.status.kind)).toEqual(['done', 'done', 'resume', 'new']);
    expect(calls).toHaveLength(2);
    expect(calls[0].slice(-2)).toEqual(['--resume', c2.dir]);
    expect(calls[1]).not.toContain('--resume');
    expect(existsSync(c2.lock)).toBe(false);

    calls.length = 0;
    expect((await runSweep(g, { launcher: fakeLauncher(calls) })).plan.every((p) => p.status.kind === 'done')).toBe(true);
    expect(calls).toHaveLength(0);

    const changed = grid(join(out, 'sweep.json'), 10);
    const refused = await runSweep(changed, { launcher: fakeLauncher(calls), dryRun: true });
    expect(refused.refused).toHaveLength(4);
    expect(calls).toHaveLength(0);
    const jsonl = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CellResult);
    expect(jsonl.map((r) => r.id)).toEqual(g.cells.map((c) => c.id));
    expect(jsonl[0].diagnostics).toEqual({ maskRate: 0.4, naiveAuroc: 0.7, 'candidate.kl.spearman': 0.1 });
    expect(jsonl[0].test.ema.top1).toBe(0.5);
  });

  it('leaves a cell alone while its lock is held (on any host), takes over a stale one and resumes it, and goes on after a failed cell', async () => {
    const out = scratch();
    const g = grid(join(out, 'sweep.json'));
    const locked = cellPaths(out, g.cells[0]);
    const fresh = new Date().toISOString();
    writeOwner(locked.lock, { host: 'node-17.cluster', pid: 4242, token: 'theirs', started: fresh, heartbeat: fresh, job: '88_0' });
    const calls: string[][] = [];
    const lines: string[] = [];
    const summary = await runSweep(g, { launcher: fakeLauncher(calls, { fail: 'method-tear.seed-0' }), say: (l) => lines.push(l) });
    expect(summary.plan[0].status.kind).toBe('running');
    expect(summary.busy).toEqual(['method-fixmatch.seed-0']);
    expect(lines).toContainEqual(expect.stringMatching(/^skipped method-fixmatch.seed-0: held by host node-17.cluster, pid 4242 \(job 88_0\), heartbeat \d+ s ago$/));
    expect(summary.failed).toEqual([{ id: 'method-tear.seed-0', code: 1 }]);
    expect(summary.finished).toEqual(['method-fixmatch.seed-1', 'method-tear.seed-1']);
    // the holder on node-17 died after a checkpoint: its heartbeat stops, and after the stale limit the cell is taken over and resumed
    mkdirSync(join(locked.dir, 'checkpoints'), { recursive: true });
    writeFileSync(join(locked.dir, 'checkpoints', 'step-00000004.ckpt'), 'x');
    const old = new Date(Date.now() - 3600_000).toISOString();
    writeOwner(locked.lock, { host: 'node-17.cluster', pid: 4242, token: 'theirs', started: old, heartbeat: old });
    calls.length = 0;
    lines.length = 0;
    const again = await runSweep(g, { launcher: fakeLauncher(calls), say: (l) => lines.push(l) });
    expect(again.plan.map((p) => p.status.kind)).toEqual(['resume', 'new', 'done', 'done']);
    expect(lines).toContainEqual(expect.stringMatching(/^took over method-fixmatch.seed-0: no heartbeat from node-17.cluster \(pid 4242\) for 3600 s, more than 300 s$/));
    expect(calls[0].slice(-2)).toEqual(['--resume', locked.dir]);
    expect(again.finished).toEqual(['method-fixmatch.seed-0', 'method-tear.seed-0']);
    expect(existsSync(locked.lock)).toBe(false);
  });

  it('--cell-index runs exactly one cell of the run order, skips it when finished, and names the grid when out of range', async () => {
    const out = scratch();
    const g = grid(join(out, 'sweep.json'));
    const calls: string[][] = [];
    const one = await runSweep(g, { launcher: fakeLauncher(calls), cellIndex: 2, writeResults: false });
    expect(one.plan.map((p) => p.id)).toEqual([runOrder(g)[2].id]);
    expect(one.finished).toEqual(['method-fixmatch.seed-1']);
    expect(existsSync(join(out, 'results.md'))).toBe(false);
    const twice = await runSweep(g, { launcher: fakeLauncher(calls), cellIndex: 2 });
    expect(twice.plan[0].status.kind).toBe('done');
    expect(calls).toHaveLength(1);
    await expect(runSweep(g, { launcher: fakeLauncher(calls), cellIndex: 4 })).rejects.toThrow(`cell index 4 is out of range: ${join(out, 'sweep.json')} has 4 cells (0 to 3)`);
    // a task whose cell is held waits; when the holder's heartbeat stops it takes the cell over
    const held = cellPaths(out, runOrder(g)[0]);
    const now = new Date().toISOString();
    writeOwner(held.lock, { host: 'elsewhere', pid: 7, token: 't', started: now, heartbeat: now });
    const lines: string[] = [];
    const waited = await runSweep(g, { launcher: fakeLauncher(calls), cellIndex: 0, staleSeconds: 1, say: (l) => lines.push(l) });
    expect(lines).toContainEqual(expect.stringMatching(/^waiting for method-fixmatch.seed-0: held by host elsewhere, pid 7/));
    expect(lines).toContainEqual(expect.stringMatching(/^took over method-fixmatch.seed-0: no heartbeat from elsewhere \(pid 7\)/));
    expect(waited.finished).toEqual(['method-fixmatch.seed-0']);
  });

  // Backend-independent (the cells name their own backend) and slow: run once, in the default cpu pass.
  const gridFor = (dir: string) => parseSweepGrid({ name: 'kill', base: { ...tinyBase, steps: 12, backend: 'wasm' }, grids: [{ method: ['tear'] }] }, join(dir, 'sweep.json'));
  const inProcess: CellLauncher = async (argv) => runCli(argv, memoryIo());
  let clean: Promise<CellResult> | undefined;
  /** The cell's result.json from an uninterrupted sweep (computed once). */
  const cleanResult = (): Promise<CellResult> => (clean ??= (async () => {
    const dir = scratch();
    await runSweep(gridFor(dir), { launcher: inProcess });
    return JSON.parse(readFileSync(cellPaths(dir, gridFor(dir).cells[0]).result, 'utf8')) as CellResult;
  })());

  it.skipIf(testBackend() !== 'cpu')('survives kill -9 of a cell: the next call resumes it and ends with the numbers of an uninterrupted run', async () => {
    const killed = scratch();
    const g = gridFor(killed);
    const paths = cellPaths(killed, g.cells[0]);
    const child = childProcessLauncher(resolve(__dirname, '../../src/cli/main.ts'), ['--import', 'tsx']);
    const killer: CellLauncher = (argv, p, onStart) => child(argv, p, (pid) => {
      onStart(pid);
      const timer = setInterval(() => {
        if (existsSync(join(p.dir, 'checkpoints', 'step-00000004.ckpt'))) {
          clearInterval(timer);
          process.kill(pid, 'SIGKILL');
        }
      }, 20);
    });
    const first = await runSweep(g, { launcher: killer });
    expect(first.failed).toHaveLength(1);
    expect(first.failed[0].code).toBe(137);
    expect(existsSync(paths.result)).toBe(false);
    const second = await runSweep(g, { launcher: inProcess });
    expect(second.plan[0].status.kind).toBe('resume');
    expect(second.finished).toEqual([g.cells[0].id]);
    const resumed = JSON.parse(readFileSync(paths.result, 'utf8')) as CellResult;
    expect(resumed.test).toEqual((await cleanResult()).test);
    // both processes are in the result: the killed one without an end, the one that finished with its end
    expect(resumed.segments?.map((s) => [s.startStep, s.endStep])).toEqual([[0, undefined], [4, 12]]);
    expect((await cleanResult()).segments?.map((s) => [s.startStep, s.endStep])).toEqual([[0, 12]]);
  }, 180_000);

  it.skipIf(testBackend() !== 'cpu')('passes SIGTERM to its cell: the cell checkpoints, the sweep exits 143 saying how to go on, and the next call ends with the uninterrupted numbers', async () => {
    const dir = scratch();
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify({ name: 'kill', base: { ...tinyBase, steps: 12, backend: 'wasm' }, grids: [{ method: ['tear'] }] }));
    const g = gridFor(dir);
    const paths = cellPaths(dir, g.cells[0]);
    const sweep = startNode(['src/cli/main.ts', 'sweep', file]);
    const started = await sweep.waitFor(/^start method-tear$/);
    expect(started).toBe('start method-tear');
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        if (existsSync(join(paths.dir, 'checkpoints', 'step-00000002.ckpt'))) {
          clearInterval(timer);
          done();
        }
      }, 20);
    });
    sweep.child.kill('SIGTERM');
    expect(await sweep.exited, sweep.lines.join('\n')).toBe(143);
    expect(sweep.lines).toContainEqual(expect.stringMatching(/^stopped method-tear \(exit 143\): its newest checkpoint is kept/));
    expect(sweep.lines).toContainEqual(`stderr:   continue with: tear-ssl sweep ${file}`);
    const log = readFileSync(paths.log, 'utf8');
    expect(log).toMatch(/train stopped by SIGTERM after step (\d+) of 12; checkpoint: /);
    expect(existsSync(paths.lock)).toBe(false);
    expect(existsSync(paths.result)).toBe(false);
    const again = await runSweep(g, { launcher: inProcess });
    expect(again.plan[0].status.kind).toBe('resume');
    expect(again.finished).toEqual([g.cells[0].id]);
    expect((JSON.parse(readFileSync(paths.result, 'utf8')) as CellResult).test).toEqual((await cleanResult()).test);
  }, 180_000);
});

describe('sweep results', () => {
  const result = (method: string, seed: number, top1: number): CellResult => ({
    id: `method-${method}.seed-${seed}`, axes: { method, seed }, settings: {}, settingsHash: 'h', commit: 'abc123', finished: '2026-11-30T00:00:00Z',
    backend: 'tensorflow (x)', steps: 100, test: { ema: { top1, balancedAccuracy: top1, macroF1: top1, macroAuc: 0.9 }, student: { top1, balancedAccuracy: top1, macroF1: top1, macroAuc: 0.9 } },
    diagnostics: { maskRate: 0.5, 'candidate.naive.spearman': 0.3, 'candidate.naive.auroc': 0.7, 'candidate.ensemble.spearman': 0.4, 'candidate.ensemble.auroc': 0.8 },
    secondsPerStep: 0.5, trainSeconds: 60,
  });
  const grid = parseSweepGrid({ name: 'fixture', grids: [{ method: ['fixmatch', 'tear'], seed: [0, 1, 2] }] }, 'f.json');

  it('mean ± sample std over seeds, per-seed values and the candidate table, from fixtures', () => {
    expect(meanStd([0.8, 0.9, 0.7])).toEqual({ mean: 0.8000000000000002, std: 0.10000000000000003, n: 3 });
    const md = resultsMarkdown(grid, [result('fixmatch', 0, 0.8), result('fixmatch', 1, 0.9), result('fixmatch', 2, 0.7), result('tear', 0, 0.6)]);
    expect(md).toContain('4 of 6 cells finished');
    expect(md).toContain('| fixmatch | 3 | 80.0 ± 10.0 | 80.0 ± 10.0 | 80.0 ± 10.0 | 0: 80.0, 1: 90.0, 2: 70.0 | 80.0 ± 10.0 |');
    expect(md).toContain('| tear | 1 | 60.0 |');
    expect(md).toMatch(/\| ensemble \| 0\.400 ± 0\.000 \| 0\.800 ± 0\.000 ✓ \|/);
    expect(md).toMatch(/\| naive \| 0\.300 ± 0\.000 \| 0\.700 ± 0\.000 \|/);
    expect(md).toContain('commit `abc123`');
  });

  it('pairs every group with its baseline on the same seed and the same other axes, from fixtures', () => {
    const cell = (labels: number, method: string, seed: number, top1: number, extra: Record<string, string> = {}): CellResult => ({
      ...result(method, seed, top1), id: `${labels}-${method}-${seed}`, axes: { labels, method, ...extra, seed },
    });
    const paired = parseSweepGrid({ name: 'p', baseline: { method: 'fixmatch' }, grids: [{ labels: [40, 250], method: ['fixmatch', 'tear'], seed: [0, 1] }] }, 'p.json');
    const cells = [
      cell(40, 'fixmatch', 0, 0.70), cell(40, 'fixmatch', 1, 0.60), cell(250, 'fixmatch', 0, 0.80),
      cell(40, 'tear', 0, 0.72), cell(40, 'tear', 1, 0.57),
      cell(40, 'tear', 0, 0.75, { adaplEstimator: 'ensemble' }),
      // 250-label TEAR on seed 1 only: the baseline has seed 0 only, so no pair
      cell(250, 'tear', 1, 0.9),
    ];
    const out = pairedDifferences(paired, cells);
    expect(out.map((p) => [p.group.key, p.baseline.key, p.differences.map((d) => [d.seed, +d.difference.toFixed(12)])])).toEqual([
      ['labels 40, method tear', 'labels 40, method fixmatch', [[0, 0.02], [1, -0.03]]],
      ['labels 40, method tear, adaplEstimator ensemble', 'labels 40, method fixmatch', [[0, 0.05]]],
    ]);
    const md = resultsMarkdown(paired, cells);
    expect(md).toContain('### Paired differences from the baseline (method fixmatch) on the same seed');
    // mean of +2 and −3 points = −0.5, sample std = 3.5
    expect(md).toContain('| 40 | tear |  | 2 | −0.5 ± 3.5 | 0: +2.0, 1: −3.0 |');
    expect(md).toContain('| 40 | tear | ensemble | 1 | +5.0 | 0: +5.0 |');
    expect(pairedDifferences(grid, cells)).toEqual([]);
    expect(() => parseSweepGrid({ baseline: {}, grids: [{ seed: [0] }] }, 'b.json')).toThrow("'baseline' must be a non-empty object of axis values");
    expect(() => parseSweepGrid({ baseline: { method: ['a'] }, grids: [{ seed: [0] }] }, 'b.json')).toThrow("'baseline' must be");
  });

  it('adds a paired table per further baseline (moreBaselines), each pairing on its own axes', () => {
    const cell = (labels: number, method: string, seed: number, top1: number): CellResult => ({
      ...result(method, seed, top1), id: `${labels}-${method}-${seed}`, axes: { labels, method, seed },
    });
    const grid2 = parseSweepGrid({
      name: 'p', baseline: { method: 'fixmatch' }, moreBaselines: [{ method: 'supervised' }],
      grids: [{ labels: [40], method: ['supervised', 'fixmatch', 'tear'], seed: [0, 1] }],
    }, 'p.json');
    expect(grid2.moreBaselines).toEqual([{ method: 'supervised' }]);
    const cells = [cell(40, 'supervised', 0, 0.50), cell(40, 'supervised', 1, 0.40), cell(40, 'fixmatch', 0, 0.70), cell(40, 'fixmatch', 1, 0.60),
      cell(40, 'tear', 0, 0.72), cell(40, 'tear', 1, 0.57)];
    const vsSupervised = pairedDifferences(grid2, cells, { method: 'supervised' });
    expect(vsSupervised.map((p) => [p.group.key, p.differences.map((d) => +d.difference.toFixed(12))])).toEqual([
      ['labels 40, method fixmatch', [0.2, 0.2]],
      ['labels 40, method tear', [0.22, 0.17]],
    ]);
    const md = resultsMarkdown(grid2, cells);
    expect(md).toContain('### Paired differences from the baseline (method fixmatch) on the same seed');
    expect(md).toContain('### Paired differences from the baseline (method supervised) on the same seed');
    // TEAR − supervised: +22 and +17 points: mean +19.5, sample std 3.5
    expect(md).toContain('| 40 | tear | 2 | +19.5 ± 3.5 | 0: +22.0, 1: +17.0 |');
    expect(() => parseSweepGrid({ moreBaselines: [{}], grids: [{ seed: [0] }] }, 'b.json')).toThrow("'moreBaselines' must be an array of non-empty objects");
    expect(() => parseSweepGrid({ moreBaselines: { method: 'a' }, grids: [{ seed: [0] }] }, 'b.json')).toThrow("'moreBaselines' must be");
  });

  it('chooses the loss estimator on validation only and reports it on test, from fixtures', () => {
    const scored = (seed: number, maskRate: number, validation: Record<string, number>, test: Record<string, number>): CellResult => ({
      ...result('tear', seed, 0.7), diagnostics: { maskRate }, heldOut: { validation, test },
    });
    const v = (naive: [number, number], ensemble: [number, number], kl: [number, number]): Record<string, number> => ({
      naiveSpearman: naive[0], naiveAuroc: naive[1],
      'candidate.naive.spearman': naive[0], 'candidate.naive.auroc': naive[1],
      'candidate.ensemble.spearman': ensemble[0], 'candidate.ensemble.auroc': ensemble[1],
      'candidate.kl.spearman': kl[0], 'candidate.kl.auroc': kl[1],
    });
    // ensemble wins on validation in both cells; kl is far better on test, which must not matter
    const bestOnTest = v([0.5, 0.7], [0.5, 0.7], [0.99, 0.99]);
    const cells = [
      scored(0, 0.5, v([0.6, 0.7], [0.65, 0.75], [0.1, 0.5]), bestOnTest),
      scored(1, 0.4, v([0.6, 0.7], [0.61, 0.71], [0.2, 0.5]), bestOnTest),
      // a supervised cell (mask rate 0) is left out even with held-out scores
      scored(2, 0, v([0.9, 0.9], [0, 0], [1, 1]), bestOnTest),
    ];
    const choice = estimatorChoice(cells);
    expect(choice.cells).toBe(2);
    expect(choice.chosen).toBe('ensemble');
    expect(choice.rows.map((r) => r.name)).toEqual(['ensemble', 'naive', 'kl']);
    expect(choice.rows[0].validation.spearman).toEqual([0.65, 0.61]);
    expect(choice.rows[0].validation.deltaSpearman.map((d) => +d.toFixed(12))).toEqual([0.05, 0.01]);
    expect(choice.rows[0].wins).toBe(2);
    expect(choice.rows[2].wins).toBe(0);
    const md = resultsMarkdown(grid, cells);
    // ensemble: validation ρ mean .63, Δ (.05, .01) → +0.030 ± 0.028; test equal to naive → +0.000 ± 0.000
    expect(md).toContain('| → ensemble | 2 | 0.630 (+0.030 ± 0.028) | 0.730 (+0.030 ± 0.028) | 0.500 (+0.000 ± 0.000) | 0.700 (+0.000 ± 0.000) | 2/2 |');
    expect(md).toContain('| naive | 2 | 0.600 | 0.700 | 0.500 | 0.700 | – |');
    expect(md).toContain('| kl | 2 | 0.150 (−0.450 ± 0.071) | 0.500 (−0.200 ± 0.000) | 0.990 (+0.490 ± 0.000) | 0.990 (+0.290 ± 0.000) | 0/2 |');
    // cells finished before held-out scores were logged: no choice and no table
    expect(estimatorChoice([result('tear', 0, 0.7)])).toEqual({ cells: 0, rows: [], chosen: undefined });
    expect(resultsMarkdown(grid, [result('tear', 0, 0.7)])).not.toContain('chosen on the validation split');
  });

  it('cellResultFrom keeps the final held-out estimator scores of each split', () => {
    const cell = grid.cells[0];
    const t = new Date(Date.UTC(2026, 0, 1)).toISOString();
    const test = (model: 'ema' | 'student') => ({ type: 'eval' as const, step: 10, time: t, split: 'test' as const, model, top1: 0.5, balancedAccuracy: 0.5, macroF1: 0.5, macroAuc: 0.5 });
    const r = cellResultFrom(cell, [
      test('student'), test('ema'),
      { type: 'estimators', step: 5, time: t, split: 'validation', reference: 'ema', naiveAuroc: 0.1 },
      { type: 'estimators', step: 10, time: t, split: 'validation', reference: 'ema', naiveAuroc: 0.7 },
      { type: 'estimators', step: 10, time: t, split: 'test', reference: 'ema', naiveAuroc: 0.8 },
    ], { settingsHash: 'h', commit: 'c', steps: 10 });
    expect(r.heldOut).toEqual({ validation: { naiveAuroc: 0.7 }, test: { naiveAuroc: 0.8 } });
    expect(cellResultFrom(cell, [test('student'), test('ema')], { settingsHash: 'h', commit: 'c', steps: 10 }).heldOut).toBeUndefined();
  });

  it('cellResultFrom refuses a log without the final test evaluation; timing skips the gap across a resume', () => {
    const cell = grid.cells[0];
    expect(() => cellResultFrom(cell, [], { settingsHash: 'h', commit: 'c', steps: 10 })).toThrow('has no test evaluation of the ema model at step 10');
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const timing = stepTiming([
      { type: 'run', time: t(0), startStep: 0, settings: {}, backend: 'x' },
      { type: 'step', step: 10, time: t(1) }, { type: 'step', step: 20, time: t(3) },
      { type: 'run', time: t(50), startStep: 20, settings: {}, backend: 'x' },
      { type: 'step', step: 30, time: t(55) }, { type: 'step', step: 40, time: t(59) },
    ]);
    expect(timing.perStep).toBeCloseTo(0.3, 12);
    expect(timing.total).toBe(6);
  });

  it('renders the generated block into a document between its markers and keeps the discussion', async () => {
    const dir = scratch();
    const doc = join(dir, 'results.md');
    const { begin, end } = docMarkers('sweep');
    writeFileSync(doc, `# Results\nintro\n${begin}\nold\n${end}\nhand-written discussion\n`);
    writeFileSync(join(dir, 'curve.svg'), '<svg/>');
    await renderResultsDoc(doc, 'sweep', 'new table\n![c](curve.svg)\n', ['curve.svg'], dir);
    const text = readFileSync(doc, 'utf8');
    expect(text).toBe(`# Results\nintro\n${begin}\nnew table\n![c](sweep/curve.svg)\n${end}\nhand-written discussion\n`);
    expect(existsSync(join(dir, 'sweep', 'curve.svg'))).toBe(true);
    writeFileSync(doc, '# no markers\n');
    await expect(renderResultsDoc(doc, 'sweep', 'x', [], dir)).rejects.toThrow(/lacks the markers of sweep 'sweep'/);
    expect(readFileSync(doc, 'utf8')).toBe('# no markers\n');
  });
});
