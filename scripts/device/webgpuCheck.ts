/**
 * The backend checks and the small-CNN speed table on a WebGPU adapter in Node, through Dawn (the `webgpu`
 * npm package's dawn.node). Bundled into one file by scripts/device/webgpu-check.sh (`pack`), which also
 * carries dawn.node, the Vulkan loader and the wasm binaries, and run by it (`run`) on the GPU machine,
 * which has no network. Not part of the package.
 *
 *   node webgpu-check.mjs --dawn PATH/dawn.node --wasm DIR --out DIR [--allow-software] [--steps N]
 *     [--batches 64,256] [--trainer-batch 32] [--dawn-flag F …]
 *
 * Writes DIR/webgpu-check.json (adapter, every check, the speed table's numbers) and DIR/webgpu-speed.md
 * (the table), the records docs/backends.md quotes. Exit code 0 only when every check passed or was an
 * expected refusal (refusals.ts), and the adapter is a hardware one (or --allow-software).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describeWebgpuAdapter, type GpuLike } from '../../src/backends/webgpuAdapter';
import { runBackendChecks, type CheckResult } from '../../test/backendChecks/checks';
import { SYNC_READ_REFUSAL, SYNC_READ_REFUSALS } from '../../test/backendChecks/refusals';
import { benchTrainer, createBenchModel, INPUT_SHAPES, NUM_CLASSES } from '../../bench/benchModels';

const { values: args } = parseArgs({
  options: {
    dawn: { type: 'string' }, wasm: { type: 'string' }, out: { type: 'string', default: 'test-output/device' },
    'allow-software': { type: 'boolean', default: false }, steps: { type: 'string', default: '10' }, 'dawn-flag': { type: 'string', multiple: true },
    /** Batch sizes of the raw step, comma-separated. */
    batches: { type: 'string', default: '64,256' },
    /** No speed table (the dry run on SwiftShader: its numbers would say nothing about a GPU). */
    'skip-speed': { type: 'boolean', default: false },
    /** Labeled batch B of the FixMatch trainer step (μ = 3); 0 skips it. */
    'trainer-batch': { type: 'string', default: '32' },
  },
});

function die(message: string): never {
  console.error(`webgpu-check: ${message}`);
  process.exit(1);
}

const out = resolve(args.out as string);
mkdirSync(out, { recursive: true });
if (args.dawn === undefined) die('--dawn PATH/dawn.node is required (scripts/device/webgpu-check.sh passes it)');

// dawn.node: create(flags) gives the GPU entry point; globals holds GPUBufferUsage, GPUMapMode, … that
// tfjs-backend-webgpu reads as globals, as in a browser. Both must exist before the backend is imported:
// it registers itself only when navigator.gpu is there.
let dawn: { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
try {
  dawn = createRequire(import.meta.url)(resolve(args.dawn)) as typeof dawn;
} catch (e) {
  die(`cannot load ${args.dawn}: ${(e as Error).message.split('\n')[0]} (dawn.node needs glibc ≥ 2.31 and libstdc++ of GCC ≥ 10)`);
}
const gpu = dawn.create(args['dawn-flag'] ?? []);
Object.assign(globalThis, dawn.globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `node ${process.version}`, language: 'en' }, configurable: true, writable: true });

const adapter = await describeWebgpuAdapter(gpu);
if (adapter === undefined) {
  die('Dawn found no WebGPU adapter. On Linux it needs the Vulkan loader (libvulkan.so.1: the pack carries one in lib/) and a Vulkan driver (ICD): ' +
    'for NVIDIA, nvidia_icd.json in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d and libGLX_nvidia.so.0; in a container, NVIDIA_DRIVER_CAPABILITIES must include "graphics". ' +
    'Run with VK_LOADER_DEBUG=error,warn to see what the loader tried.');
}
console.log(`webgpu-check: adapter ${adapter.summary}`);
if (adapter.software && !args['allow-software']) die(`the adapter is a software one (${adapter.summary}), not a GPU: no GPU numbers would come of it (pass --allow-software for a dry run)`);

await import('@tensorflow/tfjs-backend-webgpu');
const wasm = await import('@tensorflow/tfjs-backend-wasm');
const { installWasmTrainingKernels } = await import('../../src/backends/wasm/install');
if (args.wasm !== undefined) wasm.setWasmPaths(`${resolve(args.wasm)}/`);
if (!(await tf.setBackend('webgpu'))) die("tf.setBackend('webgpu') failed");
await tf.ready();

// 1. The checks, as in Chromium: every exported function, augmentation op and two steps of every method against cpu.
const results: CheckResult[] = [];
const report = await runBackendChecks({
  backend: 'webgpu',
  onResult: (r) => {
    results.push(r);
    console.log(`${r.ok ? 'ok     ' : SYNC_READ_REFUSALS.includes(r.name) && SYNC_READ_REFUSAL.test(r.message ?? '') ? 'refused' : 'FAILED '} ${r.name}${r.ok ? '' : `: ${r.message}`}`);
  },
});
const unexpected = results.filter((r) => !r.ok && !(SYNC_READ_REFUSALS.includes(r.name) && SYNC_READ_REFUSAL.test(r.message ?? '')));
const refused = results.filter((r) => !r.ok && !unexpected.includes(r));
const notRefused = SYNC_READ_REFUSALS.filter((name) => !refused.some((r) => r.name === name));

// 2. The small-CNN speed table: median ms of a raw step (forward, backward, SGD) and of a FixMatch trainer
// step, on webgpu and, as the baseline on the same machine, on wasm with tear-ssl's kernels.
const steps = Number(args.steps);
async function median(run: () => Promise<void>, warmup = Math.min(2, steps)): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
async function rawStep(batch: number): Promise<number> {
  const model = createBenchModel('small');
  const optimizer = tf.train.sgd(0.01);
  const x = tf.randomUniform([batch, ...INPUT_SHAPES.small], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % NUM_CLASSES), 'int32'), NUM_CLASSES);
  try {
    return await median(async () => {
      const loss = optimizer.minimize(() => {
        const [logits] = model.apply(x, { training: true }) as tf.Tensor[];
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      }, true) as tf.Scalar;
      await loss.data();
      loss.dispose();
    });
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}
async function trainerStep(batch: number, mu: number): Promise<number> {
  const trainer = await benchTrainer('fixmatch', mu, batch);
  try {
    return await median(async () => { await trainer.trainStep(); });
  } finally {
    trainer.dispose();
  }
}
const rows: Array<{ backend: string; what: string; ms: number }> = [];
for (const backend of args['skip-speed'] ? [] : ['webgpu', 'wasm'] as const) {
  if (backend === 'wasm') installWasmTrainingKernels();
  if (!(await tf.setBackend(backend))) die(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  const label = backend === 'webgpu' ? `webgpu (${adapter.summary})` : 'wasm + tear-ssl kernels, 1 thread (same machine)';
  const first = rows.length;
  for (const batch of (args.batches as string).split(',').map(Number)) rows.push({ backend: label, what: `raw step, batch ${batch}`, ms: await rawStep(batch) });
  const b = Number(args['trainer-batch']);
  if (b > 0) rows.push({ backend: label, what: `FixMatch trainer step, B = ${b}, μ = 3`, ms: await trainerStep(b, 3) });
  console.log(rows.slice(first).map((r) => `${r.backend}: ${r.what}: ${r.ms.toFixed(1)} ms`).join('\n'));
}

const date = new Date().toISOString();
writeFileSync(join(out, 'webgpu-check.json'), `${JSON.stringify({
  date, node: process.version, adapter, steps, speed: rows, unexpectedFailures: unexpected, refused: refused.map((r) => r.name), notRefused, report,
}, null, 2)}\n`);
if (rows.length > 0) writeFileSync(join(out, 'webgpu-speed.md'), [
  `Small CNN ${INPUT_SHAPES.small.join('×')}, median of ${steps} steps after ${Math.min(2, steps)} warm-up; ${date}; Node ${process.version}; adapter: ${adapter.summary}.`,
  '', '| backend | what | ms |', '|---|---|---:|', ...rows.map((r) => `| ${r.backend} | ${r.what} | ${r.ms.toFixed(1)} |`), '',
].join('\n'));
console.log(`webgpu-check: ${results.length} checks, ${refused.length} refused (sync reads), ${unexpected.length} failed; wrote ${join(out, 'webgpu-check.json')}${rows.length > 0 ? ' and webgpu-speed.md' : ''}`);
if (unexpected.length > 0 || notRefused.length > 0) {
  if (notRefused.length > 0) console.error(`webgpu-check: expected refusals that did not happen: ${notRefused.join(', ')}`);
  process.exit(1);
}
process.exit(0);
