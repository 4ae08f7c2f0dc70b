import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { check, checkNumber } from '../../util/checks';
import type { ModuleExport, ReadyMessage, StepResult, TensorData, WorkerReply, WorkerRequest } from './protocol';

export type { ModuleExport, TensorData } from './protocol';

/** Options of {@link DataParallelGradients.create}. */
export interface DataParallelOptions {
  /** Number of worker threads (≥ 1), typically the core count. */
  workers: number;
  /** Factory `(...args) => tf.LayersModel` the workers call; must build the same architecture as the main model. */
  model: ModuleExport;
  /** `(model, inputs: Record<string, tf.Tensor>) => tf.Scalar`, the mean loss over the samples it is given. */
  loss: ModuleExport;
  /** Backend inside the workers (default 'wasm', with the training kernels installed). */
  backend?: 'wasm' | 'cpu';
  kernelOptions?: { batchNormGradient?: boolean; maxPoolGrad?: boolean; leadingAxisReductions?: boolean };
  /** Worker script; defaults to gradientWorker.{ts,js,cjs} next to this module (.ts under tsx/vitest, .js when built). */
  workerScript?: string | URL;
  /** Node flags for the workers (default: the parent's). */
  execArgv?: string[];
}

/** Averaged result of one data-parallel gradient computation. */
export interface ParallelGradients {
  /** Shard-size-weighted mean of the workers' losses. */
  loss: number;
  /** Σ_i n_i·g_i / Σ_i n_i per trainable weight, in `model.trainableWeights` order. */
  grads: Float32Array[];
  /** Shard-size-weighted mean of every non-trainable weight after the step (e.g. BN moving statistics). */
  state: Float32Array[];
}

/** Directory of this module: import.meta.url in ESM (source or dist/*.js), __dirname in the CJS build. */
function moduleDir(): string {
  try {
    return fileURLToPath(new URL('.', import.meta.url));
  } catch {
    return typeof __dirname === 'string' ? __dirname : process.cwd();
  }
}

function defaultWorkerScript(): string {
  const dir = moduleDir();
  for (const name of ['gradientWorker.ts', 'gradientWorker.js', 'gradientWorker.cjs']) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`tear-ssl.DataParallelGradients: no gradientWorker script in ${dir}; pass options.workerScript`);
}

/** Splits `n` rows into `parts` contiguous shards whose sizes differ by at most one (empty shards dropped). */
export function shardSizes(n: number, parts: number): number[] {
  const sizes: number[] = [];
  for (let i = 0; i < parts; i++) sizes.push(Math.floor(n / parts) + (i < n % parts ? 1 : 0));
  return sizes.filter((s) => s > 0);
}

/** Rows [begin, begin+count) of a row-major tensor, as a copy. */
function sliceRows(t: TensorData, begin: number, count: number): TensorData {
  const rowSize = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const values = t.values.slice(begin * rowSize, (begin + count) * rowSize);
  return { values, shape: [count, ...t.shape.slice(1)], dtype: t.dtype };
}

/**
 * Data-parallel gradients over worker_threads (tfjs-wasm is single-threaded in Node, so this is how a
 * training step uses several cores). Each worker rebuilds the model from `options.model`; per call the
 * main thread sends all weights and one contiguous shard of every input (split along axis 0), the
 * workers run `tf.variableGrads(loss)` and post Float32Array gradients back, and the main thread
 * averages them weighted by shard size. For a per-sample mean loss without batch-dependent layers
 * this equals the single-process gradient up to float rounding.
 */
export class DataParallelGradients {
  private nextId = 1;
  private closed = false;

  private constructor(private readonly workers: Worker[], readonly weightShapes: number[][], readonly trainable: boolean[],
    readonly backend: string) {}

  /** Starts `options.workers` worker threads, each building the model on its backend; resolves when all are ready. */
  static async create(options: DataParallelOptions): Promise<DataParallelGradients> {
    const fn = 'DataParallelGradients.create';
    checkNumber(options.workers, 'workers', fn, { min: 1, integer: true });
    const script = options.workerScript ?? defaultWorkerScript();
    const scriptPath = script instanceof URL ? fileURLToPath(script) : script;
    const execArgv = options.execArgv ?? process.execArgv;
    const workers = Array.from({ length: options.workers }, () => spawnWorker(scriptPath, execArgv));
    const init: WorkerRequest = {
      type: 'init', model: options.model, loss: options.loss, backend: options.backend ?? 'wasm', kernelOptions: options.kernelOptions,
    };
    try {
      const replies = await Promise.all(workers.map((w) => request<ReadyMessage>(w, init)));
      return new DataParallelGradients(workers, replies[0].weightShapes, replies[0].trainable, replies[0].backend);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Gradients of the loss at `weights` (all of `model.weights`, in order) over the whole batch `inputs`
   * (every input split along axis 0 into one shard per worker; all inputs need the same row count).
   */
  async compute(weights: Float32Array[], inputs: Record<string, TensorData>): Promise<ParallelGradients> {
    const fn = 'DataParallelGradients.compute';
    check(!this.closed, fn, () => 'already disposed');
    check(weights.length === this.weightShapes.length, fn, () => `expected ${this.weightShapes.length} weight arrays, got ${weights.length}`);
    const names = Object.keys(inputs);
    check(names.length > 0, fn, () => 'inputs is empty');
    const rows = inputs[names[0]].shape[0];
    for (const name of names) {
      check(inputs[name].shape[0] === rows, fn, () => `input '${name}' has ${inputs[name].shape[0]} rows, '${names[0]}' has ${rows}`);
    }
    const sizes = shardSizes(rows, this.workers.length);
    let begin = 0;
    const pending = sizes.map((count, i) => {
      const shard: Record<string, TensorData> = {};
      for (const name of names) shard[name] = sliceRows(inputs[name], begin, count);
      begin += count;
      const id = this.nextId++;
      return request<StepResult>(this.workers[i], { type: 'step', id, weights, inputs: shard });
    });
    const results = await Promise.all(pending);
    const average = (pick: (r: StepResult) => Float32Array[]): Float32Array[] => pick(results[0]).map((first, k) => {
      const acc = new Float64Array(first.length);
      results.forEach((r, i) => {
        const part = pick(r)[k];
        const share = sizes[i] / rows;
        for (let j = 0; j < acc.length; j++) acc[j] += share * part[j];
      });
      return Float32Array.from(acc);
    });
    const loss = results.reduce((s, r, i) => s + (sizes[i] / rows) * r.loss, 0);
    return { loss, grads: average((r) => r.grads), state: average((r) => r.state) };
  }

  /**
   * One training step of `model` (built by the same factory as the workers'): parallel gradients,
   * `optimizer.applyGradients`, and the non-trainable weights set to the workers' shard-weighted mean.
   * Returns the loss. The workers get the updated weights at the next call, so all replicas agree.
   */
  async step(model: tf.LayersModel, optimizer: tf.Optimizer, inputs: Record<string, TensorData>): Promise<number> {
    const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
    const { loss, grads, state } = await this.compute(weights, inputs);
    const trainableNames = new Set(model.trainableWeights.map((w) => w.originalName));
    tf.tidy(() => {
      const named: tf.NamedTensorMap = {};
      model.trainableWeights.forEach((w, i) => { named[(w.read() as tf.Variable).name] = tf.tensor(grads[i], w.shape as number[], 'float32'); });
      optimizer.applyGradients(named);
      model.weights.filter((w) => !trainableNames.has(w.originalName))
        .forEach((w, i) => w.write(tf.tensor(state[i], w.shape as number[], 'float32')));
    });
    return loss;
  }

  /** Stops the workers. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Converts a tensor to the plain form {@link DataParallelGradients.compute} takes (reads it synchronously). */
export function tensorData(t: tf.Tensor): TensorData {
  check(t.dtype === 'float32' || t.dtype === 'int32', 'tensorData', () => `dtype must be float32 or int32, got ${t.dtype}`);
  return { values: t.dataSync() as Float32Array | Int32Array, shape: t.shape.slice(), dtype: t.dtype as 'float32' | 'int32' };
}

/**
 * Starts a worker. A TypeScript script (running from source under tsx or vitest) is loaded through
 * tsx's ESM API from a small eval'd bootstrap: `--import tsx` alone registers its hooks too late for
 * a worker's entry module on Node 20.
 */
function spawnWorker(scriptPath: string, execArgv: string[]): Worker {
  if (!scriptPath.endsWith('.ts')) return new Worker(scriptPath, { execArgv });
  const require = createRequire(join(moduleDir(), 'noop.js'));
  const api = pathToFileURL(require.resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const target = pathToFileURL(scriptPath).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(bootstrap, { eval: true, execArgv });
}

function request<T extends WorkerReply>(worker: Worker, msg: WorkerRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      cleanup();
      if (reply.type === 'error') reject(new Error(`tear-ssl data-parallel worker: ${reply.message}`));
      else resolve(reply as T);
    };
    const onError = (e: Error) => { cleanup(); reject(e); };
    const onExit = (code: number) => { cleanup(); reject(new Error(`tear-ssl data-parallel worker exited with code ${code}`)); };
    const cleanup = () => { worker.off('message', onMessage); worker.off('error', onError); worker.off('exit', onExit); };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(msg);
  });
}
