import '@tensorflow/tfjs-backend-wasm';

export {
  installWasmTrainingKernels, uninstallWasmTrainingKernels, installedWasmTrainingKernels,
  type WasmTrainingKernelOptions, type InstalledWasmTrainingKernels,
} from './backends/wasm/install';
export { useWasmBackend } from './backends/wasm/useWasmBackend';
export { broadcastBatchNormGradient } from './backends/wasm/batchNormGradient';
export {
  DataParallelGradients, shardSizes, tensorData,
  type DataParallelOptions, type ParallelGradients, type ModuleExport, type TensorData,
} from './backends/parallel/dataParallel';
export { selectBackend, polyfillNodeUtil, type SelectBackendOptions, type SelectedBackend, type BackendAttempt, type BackendChoice } from './backends/selectBackend';
