import * as tf from '@tensorflow/tfjs';
import { checkOneOf } from '../util/checks';
import { installWasmTrainingKernels } from './wasm/install';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** One thing {@link selectBackend} tried, in order, and why it did or did not work. */
export interface BackendAttempt {
  candidate: string;
  ok: boolean;
  reason: string;
}

export interface SelectedBackend {
  /** tfjs backend name now active: 'tensorflow' (tfjs-node or tfjs-node-gpu), 'wasm' or 'cpu'. */
  backend: string;
  /** The package that provides it. */
  source: string;
  attempts: BackendAttempt[];
  /** One line for logs, e.g. "wasm (@tensorflow/tfjs-backend-wasm + tear-ssl training kernels); tried …". */
  reason: string;
}

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

interface Candidate { name: string; backend: string; load: (importer: (s: string) => Promise<unknown>) => Promise<string> }

const CANDIDATES: Record<Exclude<BackendChoice, 'auto'>, Candidate[]> = {
  tensorflow: [
    { name: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow', load: async (imp) => { await polyfillNodeUtil(); await imp('@tensorflow/tfjs-node-gpu'); return 'CUDA 11.2 + cuDNN 8.1 required for the GPU'; } },
    { name: '@tensorflow/tfjs-node', backend: 'tensorflow', load: async (imp) => { await polyfillNodeUtil(); await imp('@tensorflow/tfjs-node'); return 'native libtensorflow 2.9.1 (CPU)'; } },
  ],
  wasm: [
    { name: '@tensorflow/tfjs-backend-wasm', backend: 'wasm', load: async (imp) => {
      await imp('@tensorflow/tfjs-backend-wasm');
      const installed = installWasmTrainingKernels();
      return `tear-ssl training kernels installed (${installed.kernels.length})`;
    } },
  ],
  cpu: [{ name: '@tensorflow/tfjs (cpu)', backend: 'cpu', load: async () => 'pure JS, slow for CNN training' }],
};

/**
 * Picks and activates a tfjs backend. 'auto' tries, in order, `@tensorflow/tfjs-node-gpu`,
 * `@tensorflow/tfjs-node` (both as backend 'tensorflow', after the Node ≥ 23 util polyfill), wasm with
 * tear-ssl's training kernels, then cpu; a failed import or `setBackend` moves on to the next. A named
 * backend tries only its own candidates and throws if none works. Returns what is active and why.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<SelectedBackend> {
  const choice = options.backend ?? 'auto';
  checkOneOf(choice, ['auto', 'tensorflow', 'wasm', 'cpu'] as const, 'backend', 'selectBackend');
  const importer = options.importer ?? defaultImporter;
  const order = choice === 'auto' ? [...CANDIDATES.tensorflow, ...CANDIDATES.wasm, ...CANDIDATES.cpu] : CANDIDATES[choice];
  const attempts: BackendAttempt[] = [];
  for (const candidate of order) {
    try {
      const note = await candidate.load(importer);
      const ok = await tf.setBackend(candidate.backend);
      if (!ok) throw new Error(`tf.setBackend('${candidate.backend}') returned false`);
      await tf.ready();
      attempts.push({ candidate: candidate.name, ok: true, reason: note });
      const failed = attempts.filter((a) => !a.ok).map((a) => `${a.candidate}: ${a.reason}`);
      const reason = `${candidate.backend} (${candidate.name}; ${note})${failed.length > 0 ? `; not used: ${failed.join('; ')}` : ''}`;
      return { backend: candidate.backend, source: candidate.name, attempts, reason };
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
