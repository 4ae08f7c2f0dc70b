import * as tf from '@tensorflow/tfjs';
import { selectBackend, type SelectedBackend } from '../backends/selectBackend';
import { CliUsageError } from './cliError';
import type { CliIo } from './io';
import type { BackendName } from './trainOptions';

/**
 * Activates the backend asked for and prints which one runs and why (`backend: wasm (…)`).
 * With 'auto' the fastest available wins: tfjs-node-gpu, tfjs-node, wasm with tear-ssl's kernels, cpu.
 * A named backend that cannot load is a usage error naming what failed.
 */
export async function useBackend(choice: BackendName, io: CliIo, quiet = false): Promise<{ name: string; reason: string }> {
  let selected: SelectedBackend;
  try {
    selected = await selectBackend({ backend: choice });
  } catch (error) {
    if (choice === 'auto') throw error;
    const hint = choice === 'tensorflow'
      ? ' (install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu; without internet: npm run setup:tfjs-node; see docs/backends.md)'
      : choice === 'wasm' ? ' (install @tensorflow/tfjs-backend-wasm)' : '';
    throw new CliUsageError(`--backend ${choice} is not available${hint}: ${(error as Error).message}`);
  }
  if (!quiet) io.out(`backend: ${selected.reason}`);
  for (const warning of selected.warnings) io.err(`WARNING: ${warning}`);
  return { name: tf.getBackend(), reason: selected.reason };
}
