import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from '../nativeKernels';

/**
 * UnsortedSegmentSum for wasm (tfjs-backend-wasm 4.22 has none; k-means and cluster prototypes need it):
 * out[s, …] = Σ_{n : ids[n] = s} x[n, …] for s in [0, numSegments); ids outside that range are dropped,
 * as on the cpu backend. x [N, …] float32 or int32, segmentIds int32 [N] → [numSegments, …].
 */
export function unsortedSegmentSumOnHeap(args: {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo }; attrs: { numSegments: number }; backend: WasmBackendLike;
}): tf.TensorInfo {
  const { inputs: { x, segmentIds }, attrs: { numSegments }, backend: b } = args;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new Error(`tear-ssl wasm UnsortedSegmentSum: segmentIds must have shape [${x.shape[0]}], got [${segmentIds.shape.join(',')}]`);
  }
  const rowSize = tf.util.sizeFromShape(x.shape.slice(1));
  const out = b.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  const dst = b.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const src = b.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = b.typedArrayFromHeap(segmentIds) as Int32Array;
  dst.fill(0);
  for (let n = 0; n < ids.length; n++) {
    const s = ids[n];
    if (s < 0 || s >= numSegments) continue;
    const from = n * rowSize;
    const to = s * rowSize;
    for (let j = 0; j < rowSize; j++) dst[to + j] += src[from + j];
  }
  return out;
}
