import * as tf from '@tensorflow/tfjs';

/** JSON-safe form of a tensor: shape, dtype and row-major values. */
export interface SerializedTensor {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  values: number[];
}

/** Reads a tensor into its JSON-safe form (async: no blocking read on GPU backends). */
export async function serializeTensor(t: tf.Tensor): Promise<SerializedTensor> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
    throw new Error(`tear-ssl.serializeTensor: dtype ${t.dtype} cannot be serialised`);
  }
  const data = await t.data();
  return { shape: [...t.shape], dtype: t.dtype, values: Array.from(data as ArrayLike<number>) };
}

/** Rebuilds a tensor from `serializeTensor`'s output; `field` names the place in the state for errors. */
export function deserializeTensor(s: SerializedTensor, field = 'tensor'): tf.Tensor {
  const ok = s !== null && typeof s === 'object' && Array.isArray(s.shape) && Array.isArray(s.values)
    && s.shape.every((d) => Number.isInteger(d) && d >= 0);
  if (!ok) throw new Error(`tear-ssl.deserializeTensor: field '${field}' is not a serialised tensor`);
  const size = s.shape.reduce((a, b) => a * b, 1);
  if (size !== s.values.length) {
    throw new Error(`tear-ssl.deserializeTensor: field '${field}' has shape [${s.shape.join(',')}] (${size} values) but ${s.values.length} values`);
  }
  if (s.dtype !== 'float32' && s.dtype !== 'int32' && s.dtype !== 'bool') {
    throw new Error(`tear-ssl.deserializeTensor: field '${field}' has unknown dtype ${String(s.dtype)}`);
  }
  return tf.tensor(s.values, s.shape, s.dtype);
}

/** Disposes every tensor reachable in a state object (arrays and plain objects are walked). */
export function disposeState(state: unknown): void {
  if (state instanceof tf.Tensor) {
    state.dispose();
  } else if (Array.isArray(state)) {
    state.forEach(disposeState);
  } else if (state !== null && typeof state === 'object') {
    Object.values(state).forEach(disposeState);
  }
}
