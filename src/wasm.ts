/**
 * tear-ssl/wasm: training kernels for the tfjs wasm backend (browser-safe). Importing this entry
 * imports '@tensorflow/tfjs-backend-wasm', which registers the backend; nothing is installed until
 * `installWasmTrainingKernels()` or `useWasmBackend()` is called.
 */
import '@tensorflow/tfjs-backend-wasm';

export {
  installWasmTrainingKernels, uninstallWasmTrainingKernels, installedWasmTrainingKernels,
  type WasmTrainingKernelOptions, type InstalledWasmTrainingKernels,
} from './backends/wasm/install';
export { useWasmBackend } from './backends/wasm/useWasmBackend';
export { broadcastBatchNormGradient } from './backends/wasm/batchNormGradient';
export { composedBatchNormTraining } from './backends/composedBatchNormTraining';
export { explainWasmAbort, isWasmAbort } from './backends/wasm/wasmAbort';
export { setWasmSimdKernels, wasmSimdKernelsEnabled, wasmSimdKernelsActive, wasmSimdKernelsStatus } from './backends/wasm/simd/simdKernels';
