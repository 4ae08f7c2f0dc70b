import type * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from '../nativeKernels';

/**
 * Spreads dy [N,Ho,Wo,C] onto a zero grid with `strides` spacing and crops it to the window
 * `rows`×`cols` = [begin, begin+size) of the dilated grid (size (Ho−1)·s+1 uncropped):
 * out[n, i, j, c] = dy[n, p, q, c] where p·sh = i + rowBegin and q·sw = j + colBegin, else 0.
 * Written straight into the wasm heap (one pass, no PadV2 on a 6-D view, no Slice copy).
 */
export function zeroInsertWindow(
  b: WasmBackendLike, dy: tf.TensorInfo, strides: [number, number],
  rows: { begin: number; size: number }, cols: { begin: number; size: number },
): tf.TensorInfo {
  const [n, ho, wo, c] = dy.shape;
  const [sh, sw] = strides;
  const out = b.makeOutput([n, rows.size, cols.size, c], 'float32');
  const dst = b.typedArrayFromHeap(out) as Float32Array;
  const src = b.typedArrayFromHeap(dy) as Float32Array;
  dst.fill(0);
  const outRow = cols.size * c;
  const outImage = rows.size * outRow;
  for (let p = 0; p < ho; p++) {
    const i = p * sh - rows.begin;
    if (i < 0 || i >= rows.size) continue;
    for (let q = 0; q < wo; q++) {
      const j = q * sw - cols.begin;
      if (j < 0 || j >= cols.size) continue;
      for (let img = 0; img < n; img++) {
        const s = ((img * ho + p) * wo + q) * c;
        const d = img * outImage + i * outRow + j * c;
        for (let k = 0; k < c; k++) dst[d + k] = src[s + k];
      }
    }
  }
  return out;
}

/**
 * Geometry of "input gradient as a forward convolution": the dilated dy (height (Ho−1)·s+1) padded
 * by top' = kEff−1−padTop and bottom' = H+kEff−1−top'−Hd gives back H rows. Negative pads become
 * crops of the dilated grid, so every padding is handled.
 */
export function transposedConvAxis(inSize: number, outSize: number, stride: number, effectiveKernel: number, padBefore: number):
  { begin: number; size: number; padBefore: number; padAfter: number } {
  const dilated = (outSize - 1) * stride + 1;
  let before = effectiveKernel - 1 - padBefore;
  let begin = 0;
  if (before < 0) {
    begin = -before;
    before = 0;
  }
  let size = dilated - begin;
  let after = inSize + effectiveKernel - 1 - before - size;
  if (after < 0) {
    size += after;
    after = 0;
  }
  return { begin, size, padBefore: before, padAfter: after };
}
