import * as tf from '@tensorflow/tfjs';

/** The subset of tfjs-backend-wasm's `BackendWasm` the training kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: tf.DataId): void;
}

type Attrs = Record<string, unknown>;
type Inputs = Record<string, tf.TensorInfo>;
type NativeKernel = (args: { inputs: Inputs; attrs?: Attrs; backend: WasmBackendLike }) => tf.TensorInfo | tf.TensorInfo[];

/** Names of the wasm kernels the training kernels build on (captured before any replacement). */
export const NATIVE_KERNEL_NAMES = [
  'Conv2D', 'DepthwiseConv2dNative', 'Transpose', 'Reverse', 'PadV2', 'Reshape', 'Slice', 'Sum', 'Mean',
  'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul', 'Identity', 'LeakyRelu', 'Greater', 'Multiply', 'Select', 'Step', 'FusedBatchNorm',
] as const;
export type NativeKernelName = (typeof NATIVE_KERNEL_NAMES)[number];

const captured = new Map<string, NativeKernel>();

/** Remembers wasm's own kernel functions so replacements can still call the originals. Idempotent. */
export function captureNativeKernels(): void {
  for (const name of NATIVE_KERNEL_NAMES) {
    if (captured.has(name)) continue;
    const config = tf.getKernel(name, 'wasm');
    if (config === undefined) throw new Error(`tear-ssl.installWasmTrainingKernels: wasm kernel '${name}' is not registered; import '@tensorflow/tfjs-backend-wasm' first`);
    captured.set(name, config.kernelFunc as unknown as NativeKernel);
  }
}

/** Runs wasm's own kernel `name` (never a tear-ssl replacement) and returns its single output. */
export function runNative(name: NativeKernelName, backend: WasmBackendLike, inputs: Inputs, attrs: Attrs = {}): tf.TensorInfo {
  const kernel = captured.get(name);
  if (kernel === undefined) throw new Error(`tear-ssl: native wasm kernel '${name}' was not captured`);
  return kernel({ inputs, attrs, backend }) as tf.TensorInfo;
}

/** Frees intermediate results (reshapes only drop a reference, so this is safe for them too). */
export function release(backend: WasmBackendLike, ...infos: Array<tf.TensorInfo | undefined>): void {
  for (const info of infos) if (info !== undefined) backend.disposeData(info.dataId);
}

export const transpose = (b: WasmBackendLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo =>
  runNative('Transpose', b, { x }, { perm });
export const reshape = (b: WasmBackendLike, x: tf.TensorInfo, shape: number[]): tf.TensorInfo =>
  runNative('Reshape', b, { x }, { shape });
