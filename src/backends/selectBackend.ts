import * as tf from '@tensorflow/tfjs';
import { checkOneOf } from '../util/checks';
import { installPrunableConv2DTraining } from './prunableConv2D';
import { wasmSimdKernelsStatus } from './wasm/simd/simdKernels';
import { installTensorflowTraining } from './tensorflow/installTensorflowTraining';
import { installWasmTrainingKernels } from './wasm/install';

/** A backend to ask selectBackend for: 'auto' tries tfjs-node(-gpu), then wasm, then cpu; 'tensorflow' is tfjs-node(-gpu). */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** One thing {@link selectBackend} tried, in order, and why it did or did not work. */
export interface BackendAttempt {
  candidate: string;
  ok: boolean;
  reason: string;
}

/** The backend selectBackend set, with the reason, and every attempt made on the way. */
export interface SelectedBackend {
  /** tfjs backend name now active: 'tensorflow' (tfjs-node or tfjs-node-gpu), 'wasm' or 'cpu'. */
  backend: string;
  /** The package that provides it. */
  source: string;
  attempts: BackendAttempt[];
  /** One line for logs, e.g. "tensorflow (@tensorflow/tfjs-node; libtensorflow 2.21.0, CPU)". */
  reason: string;
  /** Where the math runs: 'gpu' only when TensorFlow reports a GPU device in use. */
  device: 'cpu' | 'gpu';
  /** The libtensorflow version the tfjs-node binding reports (backend 'tensorflow' only). */
  libtensorflow?: string;
  /**
   * Things the user must hear about, e.g. tfjs-node-gpu loaded but TensorFlow found no GPU and runs on
   * the CPU. The CLI prints each one to stderr.
   */
  warnings: string[];
}

/** Options of selectBackend: which backend to ask for, and the module loader (tests inject failures). */
export interface SelectBackendOptions {
  backend?: BackendChoice;
  /** Module loader (tests inject failures); default: dynamic `import()`. */
  importer?: (specifier: string) => Promise<unknown>;
}

/**
 * tfjs-node 4.22.0 calls `util.isNullOrUndefined`, removed in Node 23; the fix is merged upstream but
 * unreleased. Put it back (only if missing) before loading tfjs-node.
 */
export async function polyfillNodeUtil(): Promise<void> {
  const util = (await import('node:util')) as unknown as { default?: Record<string, unknown> } & Record<string, unknown>;
  const target = (util.default ?? util) as Record<string, unknown>;
  if (typeof target.isNullOrUndefined !== 'function') {
    target.isNullOrUndefined = (v: unknown): boolean => v === null || v === undefined;
  }
}

const defaultImporter = (specifier: string): Promise<unknown> => import(specifier);

/** What a candidate's `describe` reports once its backend is active. */
interface ActiveBackendInfo { note: string; device: 'cpu' | 'gpu'; libtensorflow?: string; warnings: string[] }

interface Candidate {
  name: string;
  backend: string;
  load: (importer: (s: string) => Promise<unknown>) => Promise<void>;
  /** Called after `setBackend` succeeded: reads the truth from the live backend. */
  describe: () => ActiveBackendInfo;
}

/** The parts of tfjs-node's NodeJSKernelBackend read here. */
interface TensorflowBackendLike { isUsingGpuDevice?: boolean; binding?: { TF_Version?: string } }

/**
 * Reads the libtensorflow version from tfjs-node's binding and whether TensorFlow placed ops on a GPU.
 * `gpuPackage`: the package loaded was tfjs-node-gpu, so running on the CPU is a silent fallback
 * (no CUDA/cuDNN found, or a CPU build of libtensorflow): said loudly in `warnings`.
 */
export function describeTensorflowBackend(backend: unknown, gpuPackage: boolean): ActiveBackendInfo {
  const b = (backend ?? {}) as TensorflowBackendLike;
  const libtensorflow = typeof b.binding?.TF_Version === 'string' ? b.binding.TF_Version : undefined;
  const device = b.isUsingGpuDevice === true ? 'gpu' : 'cpu';
  const warnings = gpuPackage && device === 'cpu'
    ? ['@tensorflow/tfjs-node-gpu loaded, but TensorFlow uses no GPU device: training runs on the CPU. '
      + 'Check that CUDA and cuDNN of the versions libtensorflow was built for are installed and visible '
      + '(LD_LIBRARY_PATH, nvidia-smi), or use @tensorflow/tfjs-node on purpose.']
    : [];
  return { note: `libtensorflow ${libtensorflow ?? 'version unknown'}, ${device === 'gpu' ? 'GPU' : 'CPU'}`, device, libtensorflow, warnings };
}

/** Quiets TensorFlow's C++ start-up logging (oneDNN, CPU feature banners) unless the user set a level. */
function quietTensorflowLogs(): void {
  if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
}

const loadTfjsNode = (specifier: string) => async (imp: (s: string) => Promise<unknown>): Promise<void> => {
  await polyfillNodeUtil();
  quietTensorflowLogs();
  await imp(specifier);
  // Gradients, batch norm, gathers and max pooling as TensorFlow runs them best (docs/backends.md; A/B records in bench/results/).
  installTensorflowTraining();
};

const CANDIDATES: Record<Exclude<BackendChoice, 'auto'>, Candidate[]> = {
  tensorflow: [
    { name: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow', load: loadTfjsNode('@tensorflow/tfjs-node-gpu'),
      describe: () => describeTensorflowBackend(tf.backend(), true) },
    { name: '@tensorflow/tfjs-node', backend: 'tensorflow', load: loadTfjsNode('@tensorflow/tfjs-node'),
      describe: () => describeTensorflowBackend(tf.backend(), false) },
  ],
  wasm: [
    { name: '@tensorflow/tfjs-backend-wasm', backend: 'wasm', load: async (imp) => { await imp('@tensorflow/tfjs-backend-wasm'); },
      describe: () => {
        const installed = installWasmTrainingKernels();
        const simd = wasmSimdKernelsStatus(tf.backend());
        return { note: `tear-ssl training kernels installed (${installed.kernels.length}), SIMD kernels ${simd.reason}`, device: 'cpu', warnings: [] };
      } },
  ],
  cpu: [{ name: '@tensorflow/tfjs (cpu)', backend: 'cpu', load: async () => {},
    describe: () => ({ note: 'pure JS, slow for CNN training', device: 'cpu', warnings: [] }) }],
};

/**
 * Picks and activates a tfjs backend. 'auto' tries, in order, `@tensorflow/tfjs-node-gpu`,
 * `@tensorflow/tfjs-node` (both as backend 'tensorflow', after the Node ≥ 23 util polyfill), wasm with
 * tear-ssl's training kernels, then cpu; a failed import or `setBackend` moves on to the next. A named
 * backend tries only its own candidates and throws if none works. Returns what is active and why: for
 * 'tensorflow' the libtensorflow version read from the binding and whether a GPU device is in use, with
 * a warning when tfjs-node-gpu silently fell back to the CPU.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<SelectedBackend> {
  const choice = options.backend ?? 'auto';
  checkOneOf(choice, ['auto', 'tensorflow', 'wasm', 'cpu'] as const, 'backend', 'selectBackend');
  const importer = options.importer ?? defaultImporter;
  const order = choice === 'auto' ? [...CANDIDATES.tensorflow, ...CANDIDATES.wasm, ...CANDIDATES.cpu] : CANDIDATES[choice];
  const attempts: BackendAttempt[] = [];
  for (const candidate of order) {
    try {
      await candidate.load(importer);
      const ok = await tf.setBackend(candidate.backend);
      if (!ok) throw new Error(`tf.setBackend('${candidate.backend}') returned false`);
      await tf.ready();
      // Training-mode Conv2D as unfused ops where that gives the same bits, so the tape skips the first layer's unused dX.
      installPrunableConv2DTraining();
      const info = candidate.describe();
      attempts.push({ candidate: candidate.name, ok: true, reason: info.note });
      const failed = attempts.filter((a) => !a.ok).map((a) => `${a.candidate}: ${a.reason}`);
      const reason = `${candidate.backend} (${candidate.name}; ${info.note})${failed.length > 0 ? `; not used: ${failed.join('; ')}` : ''}`;
      return { backend: candidate.backend, source: candidate.name, attempts, reason, device: info.device, libtensorflow: info.libtensorflow, warnings: info.warnings };
    } catch (e) {
      attempts.push({ candidate: candidate.name, ok: false, reason: firstLine(e) });
    }
  }
  throw new Error(`tear-ssl.selectBackend: no usable backend for '${choice}': ${attempts.map((a) => `${a.candidate}: ${a.reason}`).join('; ')}`);
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0];
}
