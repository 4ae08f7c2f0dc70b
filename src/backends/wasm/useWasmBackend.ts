import * as tf from '@tensorflow/tfjs';
import { installWasmTrainingKernels, type InstalledWasmTrainingKernels, type WasmTrainingKernelOptions } from './install';

/**
 * Switches tfjs to the 'wasm' backend (importing '@tensorflow/tfjs-backend-wasm' registers it) and
 * installs the training kernels. In Node the backend finds its .wasm
 * files next to its own dist bundle, so no setWasmPaths call is needed; bundlers or browsers may
 * need `setWasmPaths` from '@tensorflow/tfjs-backend-wasm' before this call.
 */
export async function useWasmBackend(options: WasmTrainingKernelOptions = {}): Promise<InstalledWasmTrainingKernels> {
  await import('@tensorflow/tfjs-backend-wasm');
  const installed = installWasmTrainingKernels(options);
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error("tear-ssl.useWasmBackend: tf.setBackend('wasm') failed (is '@tensorflow/tfjs-backend-wasm' installed?)");
  await tf.ready();
  return installed;
}
