import * as tf from '@tensorflow/tfjs';
import { release, reshape, runNative, transpose, type WasmBackendLike } from '../nativeKernels';
import { heapOffset, simdKernelsFor } from '../simd/simdKernels';

/**
 * dW of a 2-D convolution (NHWC, dilation 1) as one XNNPACK fully-connected product, no transposes
 * inside the GEMM: with P = N·Ho·Wo output positions,
 *   patchesᵀ [kh·kw·Ci, P]:  patchesᵀ[(a·kw + b)·Ci + i, p] = xpad[n, ho·sh + a, wo·sw + b, i]   (p = (n, ho, wo)),
 *   dW [kh·kw·Ci, Co] = patchesᵀ · dy [P, Co]   → reshaped to [kh, kw, Ci, Co] (already the filter layout).
 * A 1×1, stride-1, unpadded convolution needs no patches: patchesᵀ = transpose(x as [P, Ci]).
 * `info` is tfjs's Conv2DInfo of the forward convolution; x [N,H,W,Ci], dy [N,Ho,Wo,Co].
 */
export function conv2DBackpropFilterViaMatMul(b: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const pointwise = kh === 1 && kw === 1 && info.strideHeight === 1 && info.strideWidth === 1
    && info.padInfo.top === 0 && info.padInfo.left === 0;
  let patches: tf.TensorInfo;
  if (pointwise) {
    const flat = reshape(b, x, [positions, ci]);
    patches = transpose(b, flat, [1, 0]);
    release(b, flat);
  } else {
    patches = transposedPatches(b, x, info);
  }
  const a3 = reshape(b, patches, [1, kh * kw * ci, positions]);
  const dy3 = reshape(b, dy, [1, positions, co]);
  const product = runNative('BatchMatMul', b, { a: a3, b: dy3 }, { transposeA: false, transposeB: false });
  release(b, patches, a3, dy3);
  const dw = reshape(b, product, [kh, kw, ci, co]);
  release(b, product);
  return dw;
}

/** Output positions handled together: their source offsets are computed once, then each of the Ci rows is written contiguously. */
const BLOCK = 256;

/**
 * patchesᵀ [kh·kw·Ci, P] of x (zero outside the image), written by JavaScript over the wasm heap.
 * Rows are P floats apart (often a power of two), so writing one position's Ci values at a time would
 * hit the same cache sets; instead each block of positions is written row by row.
 */
function transposedPatches(b: WasmBackendLike, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo,
    filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const positions = n * ho * wo;
  const out = b.makeOutput([kh * kw * ci, positions], 'float32');
  const src = b.typedArrayFromHeap(x) as Float32Array;
  const dst = b.typedArrayFromHeap(out) as Float32Array;
  const offsets = new Int32Array(BLOCK);
  for (let a = 0; a < kh; a++) {
    for (let c = 0; c < kw; c++) {
      const tapBase = (a * kw + c) * ci * positions;
      for (let start = 0; start < positions; start += BLOCK) {
        const size = Math.min(BLOCK, positions - start);
        let ox = start % wo;
        let oy = ((start - ox) / wo) % ho;
        let img = (start - ox - oy * wo) / (wo * ho);
        for (let j = 0; j < size; j++) {
          const iy = oy * sh - top + a;
          const ix = ox * sw - left + c;
          offsets[j] = iy >= 0 && iy < h && ix >= 0 && ix < w ? ((img * h + iy) * w + ix) * ci : -1;
          if (++ox === wo) {
            ox = 0;
            if (++oy === ho) {
              oy = 0;
              img++;
            }
          }
        }
        for (let i = 0; i < ci; i++) {
          const row = tapBase + i * positions + start;
          for (let j = 0; j < size; j++) {
            const from = offsets[j];
            dst[row + j] = from >= 0 ? src[from + i] : 0;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Whether {@link conv2DBackpropFilterViaMatMulSwapped} can run for this layer and is the cheaper matMul:
 * XNNPACK packs the right-hand operand of every product anew (it takes it for weights), and dy [P, Co] is
 * the larger operand when Co > kh·kw·Ci; the swapped product packs the patches instead. Needs the SIMD
 * transpose (P and Co multiples of 4).
 */
export function swappedMatMulPays(b: WasmBackendLike, info: tf.backend_util.Conv2DInfo): boolean {
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  return info.outChannels > taps && positions % 4 === 0 && info.outChannels % 4 === 0 && simdKernelsFor(b) !== null;
}

/**
 * dW as the transposed product: dWᵀ [Co, kh·kw·Ci] = dyᵀ [Co, P] · patches [P, kh·kw·Ci], then a
 * transpose of the small result to [kh, kw, Ci, Co]. patches[p, (a·kw + b)·Ci + i] = xpad[n, ho·sh + a,
 * wo·sw + b, i] is x itself for a 1×1, stride-1, unpadded convolution; dyᵀ comes from the SIMD transpose.
 * The same sums as {@link conv2DBackpropFilterViaMatMul} in XNNPACK's order for this product. Call only
 * where {@link swappedMatMulPays}.
 */
export function conv2DBackpropFilterViaMatMulSwapped(b: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const simd = simdKernelsFor(b);
  if (simd === null) throw new Error('tear-ssl wasm Conv2DBackpropFilter: the swapped matMul needs the SIMD kernels');
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const taps = kh * kw * ci;
  const pointwise = kh === 1 && kw === 1 && info.strideHeight === 1 && info.strideWidth === 1
    && info.padInfo.top === 0 && info.padInfo.left === 0;
  const patches = pointwise ? reshape(b, x, [1, positions, ci]) : patchesByPosition(b, x, info);
  const dyT = b.makeOutput([1, co, positions], 'float32');
  simd.transpose(heapOffset(b, dy.dataId), heapOffset(b, dyT.dataId), positions, co);
  const product = runNative('BatchMatMul', b, { a: dyT, b: patches }, { transposeA: false, transposeB: false });
  release(b, dyT, patches);
  const flat = reshape(b, product, [co, taps]);
  const dwFlat = transpose(b, flat, [1, 0]);
  release(b, product, flat);
  const dw = reshape(b, dwFlat, [kh, kw, ci, co]);
  release(b, dwFlat);
  return dw;
}

/** patches [1, P, kh·kw·Ci] of x (zero outside the image), one output position per row, written by JavaScript over the wasm heap. */
function patchesByPosition(b: WasmBackendLike, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo,
    filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const taps = kh * kw * ci;
  const out = b.makeOutput([1, n * ho * wo, taps], 'float32');
  const src = b.typedArrayFromHeap(x) as Float32Array;
  const dst = b.typedArrayFromHeap(out) as Float32Array;
  let row = 0;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++, row += taps) {
        let at = row;
        for (let a = 0; a < kh; a++) {
          const iy = oy * sh - top + a;
          for (let c = 0; c < kw; c++, at += ci) {
            const ix = ox * sw - left + c;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
              dst.fill(0, at, at + ci);
              continue;
            }
            const from = ((img * h + iy) * w + ix) * ci;
            if (ci === 1) dst[at] = src[from];
            else dst.set(src.subarray(from, from + ci), at);
          }
        }
      }
    }
  }
  return out;
}
