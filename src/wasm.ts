import '@tensorflow/tfjs-backend-wasm';

export {
  installWasmTrainingKernels, uninstallWasmTrainingKernels, installedWasmTrainingKernels,
  type WasmTrainingKernelOptions, type InstalledWasmTrainingKernels,
} from './backends/wasm/install';
export { useWasmBackend } from './backends/wasm/useWasmBackend';
export { broadcastBatchNormGradient } from './backends/wasm/batchNormGradient';
