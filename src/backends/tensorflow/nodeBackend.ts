import type * as tf from '@tensorflow/tfjs';

/** One attribute of a TensorFlow op as tfjs-node's binding takes it. */
export interface TfOpAttr {
  name: string;
  type: number;
  value: unknown;
}

/**
 * The parts of tfjs-node's NodeJSKernelBackend (not exported by tfjs-node) that run TensorFlow ops by
 * name: its binding's attribute and dtype constants, and single- and multi-output execution.
 */
export interface NodeBackendLike {
  binding: {
    TF_ATTR_TYPE: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_ATTR_INT: number;
    TF_FLOAT: number; TF_INT32: number; TF_BOOL: number;
  };
  /** True when libtensorflow runs ops on a GPU (tfjs-node-gpu with CUDA). */
  isUsingGpuDevice?: boolean;
  executeSingleOutput(name: string, attrs: TfOpAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: TfOpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
}

/** The float32 type attribute `name` (e.g. 'T', 'U') of a TensorFlow op. */
export function float32Attr(b: NodeBackendLike, name = 'T'): TfOpAttr {
  return { name, type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT };
}

/** The TensorFlow type attribute `name` for a tfjs dtype, or null for dtypes this package does not map (string, complex64). */
export function dtypeAttr(b: NodeBackendLike, name: string, dtype: tf.DataType): TfOpAttr | null {
  const code = dtype === 'float32' ? b.binding.TF_FLOAT : dtype === 'int32' ? b.binding.TF_INT32 : dtype === 'bool' ? b.binding.TF_BOOL : undefined;
  return code === undefined ? null : { name, type: b.binding.TF_ATTR_TYPE, value: code };
}
