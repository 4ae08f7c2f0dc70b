import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from '../nativeKernels';
import { heapOffset, simdKernelsFor } from '../simd/simdKernels';

/**
 * MaxPoolGrad by one scatter pass over the wasm heap: for every window and channel, dy goes to the
 * first position (row-major inside the window, padding skipped) holding the strict maximum, the
 * cpu backend's tie rule. input [N,H,W,C], dy [N,Ho,Wo,C] → dx [N,H,W,C]. Replaces wasm's kernel,
 * which recomputes every window for every input pixel. 2×2 / stride-2 windows inside the input with C a
 * multiple of 4 (the usual max pool) go to the SIMD kernel (simd/kernels.wat), the same bits.
 */
export function maxPoolGradScatter(args: {
  inputs: { dy: tf.TensorInfo; input: tf.TensorInfo; output?: tf.TensorInfo };
  attrs: { filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  backend: WasmBackendLike;
}): tf.TensorInfo {
  const { inputs: { dy, input }, attrs, backend: b } = args;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize,
    attrs.strides, 1, attrs.pad as never, attrs.dimRoundingMode);
  const dx = b.makeOutput(input.shape.slice(), 'float32');
  const out = b.typedArrayFromHeap(dx) as Float32Array;
  const simd = simdKernelsFor(b);
  if (simd !== null && info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2
    && info.padInfo.top === 0 && info.padInfo.left === 0 && info.inChannels % 4 === 0
    && 2 * info.outHeight <= info.inHeight && 2 * info.outWidth <= info.inWidth) {
    // The usual max pool: its windows tile the input, and the SIMD kernel writes each covered element once.
    if (2 * info.outHeight !== info.inHeight || 2 * info.outWidth !== info.inWidth) out.fill(0);
    simd.maxPoolGrad2x2(heapOffset(b, input.dataId), heapOffset(b, dy.dataId), heapOffset(b, dx.dataId),
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth);
    return dx;
  }
  const x = b.typedArrayFromHeap(input) as Float32Array;
  const g = b.typedArrayFromHeap(dy) as Float32Array;
  out.fill(0);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  for (let img = 0; img < n; img++) {
    const imageBase = img * h * w * c;
    for (let p = 0; p < ho; p++) {
      const r0 = p * info.strideHeight - info.padInfo.top;
      const rStart = Math.max(0, r0);
      const rEnd = Math.min(h, r0 + fh);
      for (let q = 0; q < wo; q++) {
        const c0 = q * info.strideWidth - info.padInfo.left;
        const cStart = Math.max(0, c0);
        const cEnd = Math.min(w, c0 + fw);
        let first = true;
        for (let r = rStart; r < rEnd; r++) {
          for (let col = cStart; col < cEnd; col++) {
            const base = imageBase + (r * w + col) * c;
            if (first) {
              // The first pixel of the window is the running maximum unless it is −∞ or NaN
              // (strict > against an initial −∞, as on the cpu backend).
              for (let k = 0; k < c; k++) {
                const v = x[base + k];
                const taken = v > -Infinity;
                best[k] = taken ? v : -Infinity;
                where[k] = taken ? base + k : -1;
              }
              first = false;
              continue;
            }
            for (let k = 0; k < c; k++) {
              const v = x[base + k];
              if (v > best[k]) {
                best[k] = v;
                where[k] = base + k;
              }
            }
          }
        }
        if (first) continue;
        const gBase = ((img * ho + p) * wo + q) * c;
        for (let k = 0; k < c; k++) if (where[k] >= 0) out[where[k]] += g[gBase + k];
      }
    }
  }
  return dx;
}
