import * as tf from '@tensorflow/tfjs';
import { release, runNative, transpose, type WasmBackendLike } from '../nativeKernels';
import { conv2DBackpropFilterViaMatMul, conv2DBackpropFilterViaMatMulSwapped, swappedMatMulPays } from './conv2DBackpropFilterMatMul';

export interface Conv2DBackpropFilterArgs {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  attrs: { strides: [number, number] | number; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat?: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
  backend: WasmBackendLike;
}

/** Largest patch matrix (kh·kw·Ci·N·Ho·Wo floats) the matMul formulation builds; beyond it the forward-conv one is faster here. */
export const MAX_PATCH_FLOATS = 12 * 2 ** 20;

/**
 * Which formulation computes dW for this layer (measured per WRN-28-2 and small-CNN layer shape at
 * batch 64 on one core, see docs/backends.md): the patches·dy matMul for 1×1 convolutions and
 * whenever the patch matrix stays under MAX_PATCH_FLOATS; the forward convolution otherwise
 * (3×3 over 64×32×32×32: building 19 M patch floats in JavaScript costs more than it saves).
 */
export function conv2DBackpropFilterUsesMatMul(info: tf.backend_util.Conv2DInfo): boolean {
  const patchFloats = info.filterHeight * info.filterWidth * info.inChannels * info.batchSize * info.outHeight * info.outWidth;
  return (info.filterHeight === 1 && info.filterWidth === 1) || patchFloats <= MAX_PATCH_FLOATS;
}

/**
 * Conv2DBackpropFilter for the wasm backend (NHWC): the formulation `conv2DBackpropFilterUsesMatMul` picks,
 * and for the matMul the operand order `swappedMatMulPays` picks.
 */
export function conv2DBackpropFilter(args: Conv2DBackpropFilterArgs): tf.TensorInfo {
  const info = convInfo(args);
  if (!conv2DBackpropFilterUsesMatMul(info)) return conv2DBackpropFilterViaConv(args);
  return swappedMatMulPays(args.backend, info)
    ? conv2DBackpropFilterViaMatMulSwapped(args.backend, args.inputs.x, args.inputs.dy, info)
    : conv2DBackpropFilterViaMatMul(args.backend, args.inputs.x, args.inputs.dy, info);
}

function convInfo(args: Conv2DBackpropFilterArgs): tf.backend_util.Conv2DInfo {
  const { inputs: { x }, attrs } = args;
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('tear-ssl wasm Conv2DBackpropFilter: only NHWC (channelsLast) is supported, as for wasm Conv2D');
  }
  return tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape,
    attrs.strides, 1, attrs.pad as never, attrs.dimRoundingMode);
}

/**
 * dW of a 2-D convolution as one forward XNNPACK convolution with batch and channels swapped:
 * dW[a,b,i,o] = Σ_{n,p,q} xpad[n, p·sh+a, q·sw+b, i]·dy[n,p,q,o]
 *            = Conv2D(x → [Ci,H,W,N], filter dy → [Ho,Wo,N,Co], stride 1, dilation (sh,sw), same pads)
 * cropped to [Ci,kh,kw,Co] and transposed to [kh,kw,Ci,Co]. x [N,H,W,Ci], dy [N,Ho,Wo,Co].
 */
export function conv2DBackpropFilterViaConv(args: Conv2DBackpropFilterArgs): tf.TensorInfo {
  const { inputs: { x, dy }, attrs, backend: b } = args;
  const info = convInfo(args);
  const [kh, kw, ci, co] = attrs.filterShape;
  const { top, bottom, left, right } = info.padInfo;
  const covered = (size: number, before: number, after: number, out: number, stride: number): number =>
    size + before + after - (out - 1) * stride;
  const extraBottom = Math.max(0, kh - covered(info.inHeight, top, bottom, info.outHeight, info.strideHeight));
  const extraRight = Math.max(0, kw - covered(info.inWidth, left, right, info.outWidth, info.strideWidth));
  const xT = transpose(b, x, [3, 1, 2, 0]);
  const dyT = transpose(b, dy, [1, 2, 0, 3]);
  const full = runNative('Conv2D', b, { x: xT, filter: dyT }, {
    strides: [1, 1], dilations: [info.strideHeight, info.strideWidth], dataFormat: 'NHWC',
    pad: [[0, 0], [top, bottom + extraBottom], [left, right + extraRight], [0, 0]],
  });
  release(b, xT, dyT);
  const cropped = full.shape[1] === kh && full.shape[2] === kw
    ? full
    : runNative('Slice', b, { x: full }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
  const dw = transpose(b, cropped, [1, 2, 0, 3]);
  release(b, full);
  if (cropped !== full) release(b, cropped);
  return dw;
}
