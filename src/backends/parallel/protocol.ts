/** Where a worker finds a function: an importable module (absolute path or file: URL) and an export name. */
export interface ModuleExport {
  module: string;
  exportName: string;
  /** Arguments for a factory export (structured-clonable). */
  args?: unknown[];
}

/** A tensor as plain data, the form tensors take across worker_threads. */
export interface TensorData {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export type InitMessage = {
  type: 'init'; model: ModuleExport; loss: ModuleExport; backend: 'wasm' | 'cpu';
  kernelOptions?: { batchNormGradient?: boolean; maxPoolGrad?: boolean; leadingAxisReductions?: boolean };
};
export type StepMessage = { type: 'step'; id: number; weights: Float32Array[]; inputs: Record<string, TensorData> };
export type WorkerRequest = InitMessage | StepMessage | { type: 'close' };

export type ReadyMessage = { type: 'ready'; weightShapes: number[][]; trainable: boolean[]; backend: string };
export type StepResult = { type: 'result'; id: number; loss: number; grads: Float32Array[]; state: Float32Array[] };
export type WorkerReply = ReadyMessage | StepResult | { type: 'error'; id?: number; message: string };
