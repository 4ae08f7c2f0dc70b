import type * as tf from '@tensorflow/tfjs';
import { runNative, type WasmBackendLike } from '../nativeKernels';

interface Args {
  inputs: { x: tf.TensorInfo; mean: tf.TensorInfo; variance: tf.TensorInfo; offset?: tf.TensorInfo; scale?: tf.TensorInfo };
  attrs: { varianceEpsilon: number };
  backend: WasmBackendLike;
}

/**
 * FusedBatchNorm with per-channel statistics (every parameter of size 1 or C = x's last axis):
 *   y = offset_c + (x − mean_c)·f_c,   f_c = scale_c / sqrt(variance_c + ε),
 * with f computed once per channel and one JavaScript pass over the heap, in float64 as the cpu
 * backend does (so the two round alike). wasm's own
 * kernel recomputes the index arithmetic and the square root per element (≈ 4× slower on
 * [N,H,W,32..64]); other shapes and dtypes go to it.
 */
export function channelBatchNorm(args: Args): tf.TensorInfo {
  const { inputs, attrs, backend: b } = args;
  const { x, mean, variance, offset, scale } = inputs;
  const channels = x.shape[x.shape.length - 1] ?? 1;
  const params = [mean, variance, offset, scale];
  const perChannel = x.dtype === 'float32' && x.shape.length > 0 && params.every((p) =>
    p === undefined || (p.dtype === 'float32' && [1, channels].includes(p.shape.reduce((s, d) => s * d, 1))));
  if (!perChannel) return runNative('FusedBatchNorm', b, inputs as unknown as Record<string, tf.TensorInfo>, attrs);
  const read = (p: tf.TensorInfo | undefined, fallback: number) => {
    const values = p === undefined ? undefined : b.typedArrayFromHeap(p) as Float32Array;
    return (c: number) => (values === undefined ? fallback : values.length === 1 ? values[0] : values[c]);
  };
  const [m, v, o, s] = [read(mean, 0), read(variance, 1), read(offset, 0), read(scale, 1)];
  const centre = new Float64Array(channels);
  const factor = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    centre[c] = m(c);
    factor[c] = s(c) / Math.sqrt(v(c) + attrs.varianceEpsilon);
    shift[c] = o(c);
  }
  const out = b.makeOutput([...x.shape], 'float32');
  const src = b.typedArrayFromHeap(x) as Float32Array;
  const dst = b.typedArrayFromHeap(out) as Float32Array;
  for (let base = 0; base < src.length; base += channels) {
    for (let c = 0; c < channels; c++) dst[base + c] = shift[c] + (src[base + c] - centre[c]) * factor[c];
  }
  return out;
}
