/**
 * tear-ssl benchmark: training-step throughput of tear-ssl's wasm path (one process, and 2
 * data-parallel workers) against stock tfjs cpu and PyTorch CPU, a FixMatch step against a TEAR step,
 * k-means alone, and a leak check. Entry of `npm run bench`; flags:
 *   --steps N (timed steps, default 5)  --warmup N (default 2)  --models small,wrn
 *   --skip cpu,torch,workers,ssl,kmeans  --cpu-steps N (stock cpu steps, default 1; 0 skips)
 *   --mu N (unlabeled ratio for the SSL steps, default 2)  --profile (tf.profile per-kernel tables)
 *   --leak-steps N (only the leak check: N small-CNN steps on wasm)  --write-docs (update docs/benchmarks.md)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { DataParallelGradients, tensorData } from '../src/backends/parallel/dataParallel';
import { installWasmTrainingKernels } from '../src/wasm';
import { kmeans } from '../src/math/kmeans';
import { benchLoss, benchTrainer, createBenchModel, INPUT_SHAPES, NUM_CLASSES, type BenchModel } from './benchModels';
import { kernelTable, median, timeCalls } from './timing';

interface Flags {
  steps: number; warmup: number; models: BenchModel[]; skip: Set<string>; cpuSteps: number; mu: number;
  profile: boolean; leakSteps: number; writeDocs: boolean;
}

function parseFlags(argv: string[]): Flags {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, d: number): number => (value(name) === undefined ? d : Number(value(name)));
  return {
    steps: num('steps', 5), warmup: num('warmup', 2), cpuSteps: num('cpu-steps', 1), mu: num('mu', 2),
    models: (value('models') ?? 'small,wrn').split(',') as BenchModel[],
    skip: new Set((value('skip') ?? '').split(',').filter(Boolean)),
    profile: argv.includes('--profile'), leakSteps: num('leak-steps', 0), writeDocs: argv.includes('--write-docs'),
  };
}

const BATCH = 64;
const lines: string[] = [];
const say = (s = ''): void => {
  console.log(s);
  lines.push(s);
};
const fmt = (ms: number): string => ms.toFixed(0);
const ips = (ms: number, batch = BATCH): string => (batch / (ms / 1000)).toFixed(1);

function machine(): string {
  let model = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
    model = /Model name:\s*(.+)/.exec(lscpu)?.[1]?.trim() ?? model;
  } catch { /* lscpu missing: keep os.cpus() */ }
  return `${model}, ${os.cpus().length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${os.loadavg().map((l) => l.toFixed(1)).join('/')}`;
}

function batchTensors(kind: BenchModel): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomNormal([BATCH, ...INPUT_SHAPES[kind]], 0, 1, 'float32', 7),
    y: tf.oneHot(tf.randomUniform([BATCH], 0, NUM_CLASSES, 'int32', 8), NUM_CLASSES).toFloat(),
  }));
}

/** Forward + backward + SGD update of one batch, synchronised by reading the loss. */
function sgdStep(model: tf.LayersModel, optimizer: tf.Optimizer, b: { x: tf.Tensor; y: tf.Tensor }): () => void {
  return () => {
    const cost = optimizer.minimize(() => benchLoss(model, b), true);
    cost?.dataSync();
    cost?.dispose();
  };
}

async function timeInProcess(kind: BenchModel, warmup: number, steps: number): Promise<number[]> {
  const model = createBenchModel(kind);
  const optimizer = tf.train.sgd(0.01);
  const b = batchTensors(kind);
  const times = await timeCalls(sgdStep(model, optimizer, b), warmup, steps);
  tf.dispose([b.x, b.y]);
  model.dispose();
  optimizer.dispose();
  return times;
}

async function profileTable(kind: BenchModel): Promise<void> {
  const model = createBenchModel(kind);
  const optimizer = tf.train.sgd(0.01);
  const b = batchTensors(kind);
  const step = sgdStep(model, optimizer, b);
  step();
  const info = await tf.profile(step);
  const total = kernelTable(info);
  const sum = [...total.values()].reduce((s, e) => s + e.ms, 0);
  say(`\nPer-kernel time, one ${kind} step on wasm (tf.profile, ms; wrapper ops excluded; total ${fmt(sum)} ms):\n`);
  say('| kernel | calls | ms | share |');
  say('|---|---|---|---|');
  for (const [name, e] of [...total].sort((a, c) => c[1].ms - a[1].ms).slice(0, 14)) {
    say(`| ${name} | ${e.calls} | ${e.ms.toFixed(1)} | ${((100 * e.ms) / sum).toFixed(0)}% |`);
  }
  tf.dispose([b.x, b.y]);
  model.dispose();
  optimizer.dispose();
}

async function timeWorkers(kind: BenchModel, workers: number, warmup: number, steps: number): Promise<number[]> {
  const here = fileURLToPath(new URL('./benchModels.ts', import.meta.url));
  const parallel = await DataParallelGradients.create({
    workers, backend: 'wasm',
    model: { module: here, exportName: 'createBenchModel', args: [kind] },
    loss: { module: here, exportName: 'benchLoss' },
  });
  try {
    const model = createBenchModel(kind);
    const optimizer = tf.train.sgd(0.01);
    const b = batchTensors(kind);
    const inputs = { x: tensorData(b.x), y: tensorData(b.y) };
    const times = await timeCalls(() => parallel.step(model, optimizer, inputs), warmup, steps);
    tf.dispose([b.x, b.y]);
    model.dispose();
    optimizer.dispose();
    return times;
  } finally {
    await parallel.dispose();
  }
}

function torchStep(kind: BenchModel, threads: number, flags: Flags): { median: number; version: string } | string {
  try {
    const out = execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./torch_step.py', import.meta.url)), '--model', kind,
      '--batch', String(BATCH), '--steps', String(flags.steps), '--warmup', String(flags.warmup), '--threads', String(threads)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const parsed = JSON.parse(out.trim().split('\n').pop() as string) as { median_ms: number; torch: string };
    return { median: parsed.median_ms, version: parsed.torch };
  } catch (e) {
    return `PyTorch not run: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  }
}

/**
 * Step times of a FixMatch and a TEAR trainer, timed alternately (fixmatch, tear, fixmatch, …) so
 * that a change in machine load hits both alike; `ratios` are tear ÷ fixmatch of each pair.
 */
async function timeTrainers(flags: Flags): Promise<{ fixmatch: number[]; tear: number[]; ratios: number[] }> {
  const fixmatch = await benchTrainer('fixmatch', flags.mu);
  const tear = await benchTrainer('tear', flags.mu);
  try {
    for (let i = 0; i < Math.max(1, flags.warmup); i++) {
      await fixmatch.trainStep();
      await tear.trainStep();
    }
    const out = { fixmatch: [] as number[], tear: [] as number[], ratios: [] as number[] };
    for (let i = 0; i < flags.steps; i++) {
      const [f] = await timeCalls(() => fixmatch.trainStep(), 0, 1);
      const [t] = await timeCalls(() => tear.trainStep(), 0, 1);
      out.fixmatch.push(f);
      out.tear.push(t);
      out.ratios.push(t / f);
    }
    return out;
  } finally {
    fixmatch.dispose();
    tear.dispose();
  }
}

async function leakCheck(steps: number): Promise<void> {
  const model = createBenchModel('small');
  const optimizer = tf.train.sgd(0.01);
  const b = batchTensors('small');
  const step = sgdStep(model, optimizer, b);
  step();
  const tensors = tf.memory().numTensors;
  const ids = tf.backend().numDataIds();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    step();
    if ((i + 1) % 100 === 0) console.log(`  step ${i + 1}: ${tf.memory().numTensors} tensors, ${tf.backend().numDataIds()} data ids`);
  }
  const grewT = tf.memory().numTensors - tensors;
  const grewI = tf.backend().numDataIds() - ids;
  say(`Leak check: ${steps} small-CNN steps on wasm in ${((performance.now() - t0) / 1000).toFixed(0)} s: tensors ${tensors} → ${tf.memory().numTensors} (${grewT >= 0 ? '+' : ''}${grewT}), wasm data ids ${ids} → ${tf.backend().numDataIds()} (${grewI >= 0 ? '+' : ''}${grewI}).`);
  tf.dispose([b.x, b.y]);
  model.dispose();
  optimizer.dispose();
  if (grewT !== 0 || grewI !== 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  tf.env().set('IS_TEST', false);
  say(`Machine: ${machine()}`);
  say(`Date: ${new Date().toISOString()}; Node ${process.version}; tfjs ${tf.version.tfjs}; batch ${BATCH}; median of ${flags.steps} steps after ${flags.warmup} warm-up`);

  if (flags.leakSteps > 0) {
    installWasmTrainingKernels();
    await tf.setBackend('wasm');
    await leakCheck(flags.leakSteps);
    return;
  }

  const results = new Map<string, number | string>();
  // Stock tfjs cpu first, before the kernel install (which also swaps the batch-norm gradient).
  for (const kind of flags.models) {
    if (flags.skip.has('cpu') || flags.cpuSteps <= 0) results.set(`cpu/${kind}`, 'skipped (--skip cpu)');
    else if (kind === 'wrn') results.set(`cpu/${kind}`, 'skipped: the pure-JS cpu backend needs minutes per WRN-28-2 step (small CNN: ~2 min/step)');
    else {
      await tf.setBackend('cpu');
      console.log(`stock tfjs cpu, ${kind}: ${flags.cpuSteps} step(s), no warm-up (slow)…`);
      results.set(`cpu/${kind}`, median(await timeInProcess(kind, 0, flags.cpuSteps)));
    }
  }

  installWasmTrainingKernels();
  await tf.setBackend('wasm');
  for (const kind of flags.models) {
    console.log(`wasm single process, ${kind}…`);
    results.set(`wasm1/${kind}`, median(await timeInProcess(kind, flags.warmup, flags.steps)));
    if (!flags.skip.has('workers')) {
      console.log(`wasm 2 workers, ${kind}…`);
      results.set(`wasm2/${kind}`, median(await timeWorkers(kind, 2, flags.warmup, flags.steps)));
    }
    if (!flags.skip.has('torch')) {
      for (const threads of [1, 2]) {
        console.log(`PyTorch CPU ${threads} thread(s), ${kind}…`);
        const r = torchStep(kind, threads, flags);
        results.set(`torch${threads}/${kind}`, typeof r === 'string' ? r : r.median);
        if (typeof r !== 'string') results.set('torch/version', r.version);
      }
    }
  }

  say('\n## Training step (forward + backward + SGD update), batch 64\n');
  say(`| model | engine | cores | ms/step (median) | img/s | vs PyTorch, same cores |`);
  say('|---|---|---|---|---|---|');
  const modelName = { small: 'small CNN 28×28×1', wrn: 'WRN-28-2 32×32×3' };
  for (const kind of flags.models) {
    const row = (engine: string, key: string, cores: number) => {
      const v = results.get(`${key}/${kind}`);
      if (v === undefined) return;
      const t = results.get(`torch${cores}/${kind}`);
      const ratio = typeof v === 'number' && typeof t === 'number' ? `${t / v < 0.01 ? (t / v).toPrecision(2) : (t / v).toFixed(2)}×` : '–';
      say(typeof v === 'number'
        ? `| ${modelName[kind]} | ${engine} | ${cores} | ${fmt(v)} | ${ips(v)} | ${key.startsWith('torch') ? '1.00×' : ratio} |`
        : `| ${modelName[kind]} | ${engine} | ${cores} | ${v} | | |`);
    };
    row('tear-ssl wasm, 1 process', 'wasm1', 1);
    row('tear-ssl wasm, 2 workers', 'wasm2', 2);
    row('stock tfjs cpu', 'cpu', 1);
    row(`PyTorch ${results.get('torch/version') ?? ''} CPU, 1 thread`, 'torch1', 1);
    row(`PyTorch ${results.get('torch/version') ?? ''} CPU, 2 threads`, 'torch2', 2);
  }
  say('\n"vs PyTorch" is PyTorch ms/step ÷ ours, i.e. our throughput as a fraction of PyTorch\'s on the same number of cores.');

  if (flags.profile) for (const kind of flags.models) await profileTable(kind);

  if (!flags.skip.has('ssl')) await attempt('FixMatch vs TEAR', async () => {
    console.log(`FixMatch vs TEAR trainer steps (small CNN, B=${BATCH}, μ=${flags.mu})…`);
    const times = await timeTrainers(flags);
    const fix = median(times.fixmatch);
    const tear = median(times.tear);
    say(`\n## FixMatch step vs TEAR step (SemiSupervisedTrainer.trainStep, wasm, 1 process)\n`);
    say(`Small CNN 28×28×1, B = ${BATCH} labeled + U = ${flags.mu * BATCH} unlabeled (μ = ${flags.mu}), EMA reference, default TEAR options; the two trainers step alternately.\n`);
    say('| method | ms/step (median) | ratio |');
    say('|---|---|---|');
    say(`| fixmatch | ${fmt(fix)} | 1.00 |`);
    say(`| tear (AdaPL + IPH) | ${fmt(tear)} | ${(tear / fix).toFixed(2)} |`);
    say(`\nPer pair of consecutive steps, tear ÷ fixmatch: median ${median(times.ratios).toFixed(2)} (range ${Math.min(...times.ratios).toFixed(2)}–${Math.max(...times.ratios).toFixed(2)}).`);
  });

  if (!flags.skip.has('kmeans')) await attempt('k-means', async () => {
    const u = flags.mu * BATCH;
    const feats = tf.randomNormal([u, 128], 0, 1, 'float32', 3) as tf.Tensor2D;
    const times = await timeCalls(() => {
      const r = kmeans(feats, NUM_CLASSES, { seed: 1 });
      tf.dispose([r.assignments, r.centroids]);
    }, 1, flags.steps);
    feats.dispose();
    say(`\nk-means alone (wasm, [${u},128] features, K = ${NUM_CLASSES}, default restarts/iterations): ${fmt(median(times))} ms median.`);
  });

  if (flags.writeDocs) writeDocs(lines.join('\n'));
}

/** Runs one section; a failure is reported in the output instead of ending the run. */
async function attempt(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    say(`\n${name}: failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    process.exitCode = 1;
  }
}

/** Replaces the block between the bench markers in docs/benchmarks.md with this run's output. */
function writeDocs(block: string): void {
  const file = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
  const text = readFileSync(file, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/benchmarks.md has no ${start} … ${end} block`);
  writeFileSync(file, `${text.slice(0, a + start.length)}\n${block}\n${text.slice(b)}`);
  console.log(`updated ${file}`);
}

await main();
