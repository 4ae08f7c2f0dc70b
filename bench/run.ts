/**
 * tear-ssl benchmark: training-step throughput of tear-ssl on tfjs-node (backend 'tensorflow') and on
 * its wasm path (one process, and 2 data-parallel workers) against stock tfjs cpu and PyTorch CPU;
 * the trainer's FixMatch and TEAR steps (real augmentations) on each backend against a PyTorch
 * FixMatch step (bench/torch_fixmatch.py), all interleaved; k-means alone; a leak check.
 * Entry of `npm run bench`; flags:
 *   --steps N (timed steps, default 5)  --warmup N (default 2)  --models small,wrn
 *   --backends tensorflow,wasm (default: both; tensorflow only when tfjs-node loads)
 *   --skip cpu,torch,workers,ssl,kmeans  --cpu-steps N (stock cpu steps, default 1; 0 skips)
 *   --ssl 32x3,64x7 (B×μ of the small-CNN SSL steps)  --ssl-wrn 32x3 (B×μ of the WRN-28-2 SSL steps, on tensorflow
 *     only: wasm needs seconds per WRN step; '' skips)  --ssl-backends tensorflow,wasm (default: --backends)
 *   --ssl-steps N (rounds of the SSL steps, default 9)
 *   --tf-threads N (TF_NUM_INTRAOP_THREADS for tfjs-node, set before it loads; default: the
 *     environment's value, else selectBackend's default)  --profile (tf.profile per-kernel tables)
 *   --leak-steps N (only the leak check: N small-CNN steps on wasm)
 *   --record (write the output to bench/records/<start time>.md; `npm run docs:render` puts the newest in docs/benchmarks.md;
 *            refused when the 1-minute load exceeds 0.5 per core at the start or end, unless --allow-busy, and then marked)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { DataParallelGradients, tensorData } from '../src/backends/parallel/dataParallel';
import { selectBackend, type SelectedBackend } from '../src/backends/selectBackend';
import { installWasmTrainingKernels } from '../src/wasm';
import { kmeans } from '../src/math/kmeans';
import { benchLoss, createBenchModel, INPUT_SHAPES, NUM_CLASSES, sslBenchTrainer, trainingFlops, type BenchModel } from './benchModels';
import { BUSY_LOAD_PER_CORE, waitForQuiet } from './quiet';
import { kernelTable, median, timeCalls } from './timing';

type Backend = 'tensorflow' | 'wasm';

interface Flags {
  steps: number; warmup: number; models: BenchModel[]; skip: Set<string>; cpuSteps: number;
  backends: Backend[]; ssl: SslCase[]; sslBackends: Backend[]; sslSteps: number; tfThreads: number | undefined;
  profile: boolean; leakSteps: number; record: boolean;
}

const MODEL_LABELS: Record<BenchModel, string> = { small: 'small CNN 28×28×1', wrn: 'WRN-28-2 32×32×3' };

/** One row group of the SSL table: a model and B×μ, on the backends given (WRN-28-2: tensorflow only). */
interface SslCase { model: BenchModel; batch: number; mu: number; backends?: Backend[] }

const parseShapes = (list: string, model: BenchModel, backends?: Backend[]): SslCase[] => list.split(',').filter(Boolean).map((c) => {
  const [batch, mu] = c.split('x').map(Number);
  if (!(Number.isInteger(batch) && batch > 0 && Number.isInteger(mu) && mu > 0)) throw new Error(`bench: B×μ must look like 32x3, got '${c}'`);
  return { model, batch, mu, backends };
});

function parseFlags(argv: string[]): Flags {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, d: number): number => (value(name) === undefined ? d : Number(value(name)));
  const backends = (value('backends') ?? 'tensorflow,wasm').split(',') as Backend[];
  return {
    steps: num('steps', 5), warmup: num('warmup', 2), cpuSteps: num('cpu-steps', 1),
    models: (value('models') ?? 'small,wrn').split(',') as BenchModel[],
    backends,
    ssl: [...parseShapes(value('ssl') ?? '32x3,64x7', 'small'), ...parseShapes(value('ssl-wrn') ?? '32x3', 'wrn', ['tensorflow'])],
    sslSteps: num('ssl-steps', 9),
    sslBackends: (value('ssl-backends')?.split(',') as Backend[] | undefined) ?? backends,
    tfThreads: value('tf-threads') === undefined ? undefined : Number(value('tf-threads')),
    skip: new Set((value('skip') ?? '').split(',').filter(Boolean)),
    profile: argv.includes('--profile'), leakSteps: num('leak-steps', 0), record: argv.includes('--record'),
  };
}

const BATCH = 64;
/** When this run started: its Date line and its record's name. */
const STARTED = new Date().toISOString();
/** The 1-minute load average when the run started (before any work of its own; with --record, after waiting for a quiet machine). */
let LOAD_AT_START = os.loadavg()[0];
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
  say(`\nPer-kernel time, one ${kind} step on ${tf.getBackend()} (tf.profile, ms; wrapper ops excluded; total ${fmt(sum)} ms):\n`);
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

/** GFLOP/s of tf.matMul on two 1024×1024 float32 matrices on the active backend (median of 7 after 2 warm-up calls). */
async function wasmGemmRate(): Promise<number> {
  const n = 1024;
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const ms = await timeCalls(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }, 2, 7);
  tf.dispose([a, b]);
  return (2 * n ** 3) / (median(ms) * 1e6);
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

/** A PyTorch FixMatch step served by bench/torch_fixmatch.py --serve: one step per call, so it can be interleaved. */
interface TorchFixMatch { step(): Promise<{ ms: number; cpuMs: number }>; close(): void; version: string; threads: number }

async function startTorchFixMatch(model: BenchModel, batch: number, mu: number, threads: number): Promise<TorchFixMatch> {
  const script = fileURLToPath(new URL('./torch_fixmatch.py', import.meta.url));
  const child: ChildProcessWithoutNullStreams = spawn('/usr/bin/python3', [script, '--serve', '--model', model, '--batch', String(batch), '--mu', String(mu), '--threads', String(threads)],
    { cwd: fileURLToPath(new URL('.', import.meta.url)) });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done === true) throw new Error(`torch_fixmatch.py ended: ${stderr.trim().split('\n').pop() ?? ''}`);
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const ready = await next();
  return {
    version: String(ready.torch), threads: Number(ready.threads),
    step: async () => {
      child.stdin.write('step\n');
      const r = await next();
      return { ms: Number(r.ms), cpuMs: Number(r.cpu_ms) };
    },
    close: () => { child.stdin.end(); },
  };
}

interface SslTimes {
  fixmatch: number[]; tear: number[]; torch: number[]; tearRatios: number[]; torchRatios: number[];
  /** The reference model's inference forward over U images alone, and (fixmatch + it) ÷ fixmatch per round: TEAR's floor. */
  reference: number[]; floorRatios: number[];
  /** CPU milliseconds (all threads of the process) of each step: robust to other jobs' load. */
  fixmatchCpu: number[]; tearCpu: number[]; torchCpu: number[];
}

/** Wall-clock and process CPU milliseconds of one call. */
async function timeWallAndCpu(fn: () => unknown): Promise<{ ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * FixMatch and TEAR trainer steps (the case's model, real augmentations) on the active backend and, when
 * given, a PyTorch FixMatch step, timed in turn (fixmatch, tear, torch, fixmatch, …) so that a
 * change in machine load hits all alike. tearRatios: tear ÷ fixmatch of each round; torchRatios:
 * torch ÷ fixmatch of each round (our speed as a fraction of PyTorch's).
 */
async function timeSslSteps({ model, batch, mu }: SslCase, flags: Flags, torch: TorchFixMatch | undefined): Promise<SslTimes> {
  const fixmatch = await sslBenchTrainer('fixmatch', batch, mu, 'real', model);
  const tear = await sslBenchTrainer('tear', batch, mu, 'real', model);
  // TEAR's reference forward (EMA teacher, inference, over weak(u)) as a stand-alone piece: the part of
  // TEAR's extra cost fixed by its definition, whatever IPH and AdaPL cost.
  const teacher = createBenchModel(model);
  const u = tf.randomUniform([batch * mu, ...INPUT_SHAPES[model]], 0, 1, 'float32', 7);
  const referenceForward = () => tf.tidy(() => {
    const [logits, features] = teacher.apply(u, { training: false }) as tf.Tensor[];
    return [tf.softmax(logits), features];
  }).forEach((t) => t.dispose());
  try {
    for (let i = 0; i < Math.max(1, flags.warmup); i++) {
      await fixmatch.trainStep();
      await tear.trainStep();
      if (torch) await torch.step();
      referenceForward();
    }
    const out: SslTimes = {
      fixmatch: [], tear: [], torch: [], tearRatios: [], torchRatios: [], reference: [], floorRatios: [], fixmatchCpu: [], tearCpu: [], torchCpu: [],
    };
    for (let i = 0; i < flags.sslSteps; i++) {
      const f = await timeWallAndCpu(() => fixmatch.trainStep());
      const t = await timeWallAndCpu(() => tear.trainStep());
      out.fixmatch.push(f.ms);
      out.tear.push(t.ms);
      out.fixmatchCpu.push(f.cpuMs);
      out.tearCpu.push(t.cpuMs);
      out.tearRatios.push(t.ms / f.ms);
      const r = await timeWallAndCpu(referenceForward);
      out.reference.push(r.ms);
      out.floorRatios.push((f.ms + r.ms) / f.ms);
      if (torch) {
        const p = await torch.step();
        out.torch.push(p.ms);
        out.torchCpu.push(p.cpuMs);
        out.torchRatios.push(p.ms / f.ms);
      }
    }
    return out;
  } finally {
    fixmatch.dispose();
    tear.dispose();
    teacher.dispose();
    u.dispose();
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
  if (flags.record) LOAD_AT_START = (await waitForQuiet(240)).load; // e.g. the previous run's own load decaying
  say(`Machine: ${machine()}`);
  say(`Date: ${STARTED}; Node ${process.version}; tfjs ${tf.version.tfjs}; training-step batch ${BATCH}; median of ${flags.steps} steps after ${flags.warmup} warm-up`);

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

  const wasmOn = flags.backends.includes('wasm');
  // Before tfjs-node: installWasmTrainingKernels registers its batch-norm gradient for every backend,
  // and installTensorflowTrainingGradients (in selectBackend) must wrap it, not be displaced by it.
  if (wasmOn) installWasmTrainingKernels();
  let tensorflow: SelectedBackend | string | undefined;
  if (flags.backends.includes('tensorflow')) {
    if (flags.tfThreads !== undefined) process.env.TF_NUM_INTRAOP_THREADS = String(flags.tfThreads);
    try {
      tensorflow = await selectBackend({ backend: 'tensorflow' });
    } catch (e) {
      tensorflow = `tfjs-node not run: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]} (npm run setup:tfjs-node)`;
    }
  }
  const tfReady = typeof tensorflow === 'object';
  const tfThreads = Number(process.env.TF_NUM_INTRAOP_THREADS ?? os.cpus().length);
  if (tfReady) {
    say(`tfjs-node: ${(tensorflow as SelectedBackend).reason.split('; not used')[0]}; TF_NUM_INTRAOP_THREADS=${process.env.TF_NUM_INTRAOP_THREADS ?? '(unset)'}, TF_NUM_INTEROP_THREADS=${process.env.TF_NUM_INTEROP_THREADS ?? '(unset)'}`);
  } else if (typeof tensorflow === 'string') say(tensorflow);

  for (const kind of flags.models) {
    if (tfReady) {
      await tf.setBackend('tensorflow');
      console.log(`tfjs-node, ${kind}…`);
      results.set(`tf/${kind}`, median(await timeInProcess(kind, flags.warmup, flags.steps)));
    }
    if (wasmOn) {
      await tf.setBackend('wasm');
      console.log(`wasm single process, ${kind}…`);
      results.set(`wasm1/${kind}`, median(await timeInProcess(kind, flags.warmup, flags.steps)));
      if (!flags.skip.has('workers')) {
        console.log(`wasm 2 workers, ${kind}…`);
        results.set(`wasm2/${kind}`, median(await timeWorkers(kind, 2, flags.warmup, flags.steps)));
      }
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
  const modelName = MODEL_LABELS;
  const libtf = tfReady ? (tensorflow as SelectedBackend).libtensorflow ?? '?' : '';
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
    row(`tear-ssl on tfjs-node (libtensorflow ${libtf}), ${tfThreads} intra-op thread${tfThreads === 1 ? '' : 's'}`, 'tf', Math.min(tfThreads, 2));
    row('tear-ssl wasm, 1 process', 'wasm1', 1);
    row('tear-ssl wasm, 2 workers', 'wasm2', 2);
    row('stock tfjs cpu', 'cpu', 1);
    row(`PyTorch ${results.get('torch/version') ?? ''} CPU, 1 thread`, 'torch1', 1);
    row(`PyTorch ${results.get('torch/version') ?? ''} CPU, 2 threads`, 'torch2', 2);
  }
  say('\n"vs PyTorch" is PyTorch ms/step ÷ ours, i.e. our throughput as a fraction of PyTorch\'s on the same number of cores.');

  if (wasmOn && flags.models.some((kind) => typeof results.get(`torch1/${kind}`) === 'number')) {
    await tf.setBackend('wasm');
    const rate = await wasmGemmRate();
    say('\n## The wasm path\'s ceiling\n');
    say(`XNNPACK's single-threaded GEMM in tfjs-backend-wasm (tf.matMul of two 1024×1024 float32 matrices on 'wasm', median of 7): ${rate.toFixed(1)} GFLOP/s. `
      + 'XNNPACK\'s convolutions run on the same micro-kernels; a training step that ran all its FLOPs at this rate would take:\n');
    say('| model | training GFLOP per step (batch 64) | ms at the GEMM rate | ceiling vs PyTorch, 1 thread | measured vs PyTorch, 1 thread |');
    say('|---|---|---|---|---|');
    for (const kind of flags.models) {
      const torch = results.get(`torch1/${kind}`);
      const ours = results.get(`wasm1/${kind}`);
      if (typeof torch !== 'number') continue;
      const model = createBenchModel(kind);
      const gflop = trainingFlops(model, BATCH) / 1e9;
      model.dispose();
      const ceilingMs = (gflop / rate) * 1000;
      say(`| ${MODEL_LABELS[kind]} | ${gflop.toFixed(2)} | ${fmt(ceilingMs)} | ${(torch / ceilingMs).toFixed(2)}× | ${typeof ours === 'number' ? `${(torch / ours).toFixed(2)}×` : '–'} |`);
    }
    say('\nGFLOP: 2 per multiply-add of the Conv2D and Dense layers, forward + weight gradients + input gradients (none for the first layer); batch norm, activations and the update are left out. "ceiling" is PyTorch\'s ms ÷ the ms at the GEMM rate.');
  }

  if (flags.profile) {
    for (const backend of [...(tfReady ? ['tensorflow'] : []), ...(wasmOn ? ['wasm'] : [])]) {
      await tf.setBackend(backend);
      for (const kind of flags.models) await profileTable(kind);
    }
  }

  const sslBackends = flags.sslBackends.filter((b) => (b === 'tensorflow' ? tfReady : wasmOn));
  if (!flags.skip.has('ssl') && sslBackends.length > 0) {
    say('\n## FixMatch and TEAR trainer steps against a PyTorch FixMatch step\n');
    say('`SemiSupervisedTrainer.trainStep` on the small CNN 28×28×1 and on WRN-28-2 32×32×3 (tensorflow only), images uniform in [0, 1], B labeled + U = μ·B unlabeled, '
      + 'the package\'s `weakAugment()` and `strongAugment()` (RandAugment, 2 ops, Cutout), SGD-Nesterov, EMA, default config '
      + '(TEAR: AdaPL + IPH, EMA reference). PyTorch: bench/torch_fixmatch.py, the same network, augmentations as batched torch ops, '
      + `optimizer and EMA, ${tfThreads} thread${tfThreads === 1 ? '' : 's'}. In each round the steps run in turn (fixmatch, tear, PyTorch), `
      + `median of ${flags.sslSteps} rounds after ${Math.max(1, flags.warmup)} warm-up.\n`);
    say('| model | backend | B | μ | fixmatch ms | tear ms | tear ÷ fixmatch, per round: median (range) | reference forward ms | (fixmatch + reference forward) ÷ fixmatch | PyTorch FixMatch ms | our FixMatch speed ÷ PyTorch\'s, per round: median (range) | fixmatch img/s | CPU ms: fixmatch / tear / PyTorch |');
    say('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    const range = (xs: number[]) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
    for (const sslCase of flags.ssl) {
      const { model, batch, mu } = sslCase;
      const backends = sslBackends.filter((b) => sslCase.backends === undefined || sslCase.backends.includes(b));
      if (backends.length === 0) continue;
      let torch: TorchFixMatch | undefined;
      if (!flags.skip.has('torch')) {
        try {
          torch = await startTorchFixMatch(model, batch, mu, Math.min(tfThreads, 2));
        } catch (e) {
          say(`PyTorch FixMatch not run: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
        }
      }
      try {
        for (const backend of backends) {
          await attempt(`SSL steps ${model} ${backend} B=${batch} μ=${mu}`, async () => {
            await tf.setBackend(backend);
            console.log(`FixMatch / TEAR / PyTorch steps, ${model}, on ${backend}, B=${batch}, μ=${mu}…`);
            const t = await timeSslSteps(sslCase, flags, backend === 'tensorflow' || backends.length === 1 ? torch : undefined);
            const images = batch + 2 * batch * mu;
            say(`| ${MODEL_LABELS[model]} | ${backend} | ${batch} | ${mu} | ${fmt(median(t.fixmatch))} | ${fmt(median(t.tear))} | ${range(t.tearRatios)} | ${fmt(median(t.reference))} | ${median(t.floorRatios).toFixed(2)} | `
              + `${t.torch.length > 0 ? fmt(median(t.torch)) : '–'} | ${t.torch.length > 0 ? `${range(t.torchRatios)}×` : '–'} | ${ips(median(t.fixmatch), images)} | `
              + `${fmt(median(t.fixmatchCpu))} / ${fmt(median(t.tearCpu))} / ${t.torchCpu.length > 0 ? fmt(median(t.torchCpu)) : '–'} |`);
          });
        }
      } finally {
        torch?.close();
      }
    }
    say('\n"reference forward" is TEAR\'s EMA-teacher inference forward over the U weak views, timed alone in each round: '
      + '(fixmatch + it) ÷ fixmatch is the ratio TEAR would have if IPH and AdaPL cost nothing. "img/s" counts the images of one forward: B + 2U. The PyTorch step runs in the tensorflow rounds (or the only backend\'s). '
      + '"CPU ms" is the process\'s CPU time over all its threads during the step (median): unlike wall-clock it barely moves with other jobs\' load, '
      + 'but it counts a second thread\'s work instead of its speed-up.');
  }

  if (!flags.skip.has('kmeans')) {
    for (const backend of [...(tfReady ? ['tensorflow'] : []), ...(wasmOn ? ['wasm'] : [])]) {
      await attempt(`k-means ${backend}`, async () => {
        await tf.setBackend(backend);
        const u = 3 * 32;
        const feats = tf.randomNormal([u, 128], 0, 1, 'float32', 3) as tf.Tensor2D;
        const times = await timeCalls(() => {
          const r = kmeans({ x: feats }, { k: NUM_CLASSES, seed: 1, restarts: 3, maxIterations: 20 });
          tf.dispose([r.assignments, r.centroids]);
        }, 1, flags.steps);
        feats.dispose();
        say(`\nk-means alone (${backend}, engine 'auto', [${u},128] features, K = ${NUM_CLASSES}, the trainer's 3 restarts × ≤ 20 iterations): ${fmt(median(times))} ms median.`);
      });
    }
  }

  // The run's own work keeps the 1-minute load up for a while: judge the end after a cool-down (bench/quiet.ts).
  const ownLoad = os.loadavg().map((l) => l.toFixed(1)).join('/');
  const { waitedSeconds } = flags.record ? await waitForQuiet(240) : { waitedSeconds: 0 };
  say(`\nLoad average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join('/')}.` +
    (flags.record ? ` (The run's own load when it finished: ${ownLoad}; measured again after ${waitedSeconds} s idle.)` : ''));
  if (flags.record) {
    // a busy machine's times say little: refuse to record them unless asked, and then the docs mark them
    const busy = [LOAD_AT_START, os.loadavg()[0]].some((l) => l > BUSY_LOAD_PER_CORE * os.cpus().length);
    if (busy && !process.argv.includes('--allow-busy')) {
      console.error(`bench: not recorded: the 1-minute load average was ${LOAD_AT_START.toFixed(1)} at the start and ${os.loadavg()[0].toFixed(1)} at the end ` +
        `on ${os.cpus().length} cores (quiet: at most ${BUSY_LOAD_PER_CORE} per core). Run it again on a quiet machine, or pass --allow-busy ` +
        '(docs/benchmarks.md then marks the record as measured on a busy machine).');
      process.exitCode = 1;
    } else {
      writeRecord(lines.join('\n'));
    }
  }
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

/**
 * Writes this run's output, verbatim, as a record: bench/records/<start time>.md. docs/benchmarks.md
 * shows the newest record (`npm run docs:render`); the numbers there are never typed by hand.
 */
function writeRecord(block: string): void {
  const dir = fileURLToPath(new URL('./records/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${STARTED.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.md`;
  writeFileSync(file, `${block}\n`);
  console.log(`recorded ${file}; run npm run docs:render to show it in docs/benchmarks.md`);
}

await main();
