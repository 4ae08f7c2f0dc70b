import * as tf from '@tensorflow/tfjs';
import { release, reshape, runNative, transpose, type WasmBackendLike } from '../nativeKernels';
import { transposedConvolution } from './conv2DBackpropInput';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
interface DepthwiseAttrs {
  strides: [number, number] | number; dilations?: [number, number] | number; pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * dW of a depthwise convolution (multiplier M) as one forward depthwise XNNPACK convolution with
 * the batch folded into channels: x → [1,H,W,N·C], dy → filter [Ho,Wo,N·C,M], stride = dilation,
 * dilation = stride; the result [1,kh',kw',N·C·M] is cropped, reshaped [kh,kw,N,C·M] and summed over N.
 * dW[a,b,c,m] = Σ_{n,p,q} xpad[n, p·sh+a·dh, q·sw+b·dw, c]·dy[n,p,q,c·M+m].
 */
export function depthwiseBackpropFilterViaConv(args: {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo }; attrs: DepthwiseAttrs & { filterShape: [number, number, number, number] };
  backend: WasmBackendLike;
}): tf.TensorInfo {
  const { inputs: { x, dy }, attrs, backend: b } = args;
  const [kh, kw, c, m] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape,
    attrs.strides, attrs.dilations ?? 1, attrs.pad as never, attrs.dimRoundingMode, true);
  const n = info.batchSize;
  const { top, bottom, left, right } = info.padInfo;
  const reach = (size: number, before: number, after: number, out: number, stride: number, kernel: number, dilation: number): number => {
    const span = size + before + after - ((out - 1) * stride + 1);
    return Math.max(0, (kernel - 1) * dilation - span);
  };
  const extraBottom = reach(info.inHeight, top, bottom, info.outHeight, info.strideHeight, kh, info.dilationHeight);
  const extraRight = reach(info.inWidth, left, right, info.outWidth, info.strideWidth, kw, info.dilationWidth);
  const xHWNC = transpose(b, x, [1, 2, 0, 3]);
  const input = reshape(b, xHWNC, [1, info.inHeight, info.inWidth, n * c]);
  const dy5 = reshape(b, dy, [n, info.outHeight, info.outWidth, c, m]);
  const dyT = transpose(b, dy5, [1, 2, 0, 3, 4]);
  const filter = reshape(b, dyT, [info.outHeight, info.outWidth, n * c, m]);
  const full = runNative('DepthwiseConv2dNative', b, { x: input, filter }, {
    strides: [info.dilationHeight, info.dilationWidth], dilations: [info.strideHeight, info.strideWidth],
    pad: [[0, 0], [top, bottom + extraBottom], [left, right + extraRight], [0, 0]], dataFormat: 'NHWC',
  });
  release(b, xHWNC, input, dy5, dyT, filter);
  const cropped = full.shape[1] === kh && full.shape[2] === kw
    ? full
    : runNative('Slice', b, { x: full }, { begin: [0, 0, 0, 0], size: [1, kh, kw, n * c * m] });
  const perImage = reshape(b, cropped, [kh, kw, n, c * m]);
  const summed = runNative('Sum', b, { x: perImage }, { axis: [2], keepDims: false });
  const dw = reshape(b, summed, [kh, kw, c, m]);
  release(b, full, perImage, summed);
  if (cropped !== full) release(b, cropped);
  return dw;
}

/**
 * dx of a depthwise convolution: depthwise convolution (multiplier 1 over C·M channels, dilation kept)
 * of the zero-inserted dy with the spatially flipped filter, then a sum over the M multipliers.
 * dy [N,Ho,Wo,C·M], filter [kh,kw,C,M] → dx [N,H,W,C].
 */
export function depthwiseBackpropInputViaConv(args: {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo }; attrs: DepthwiseAttrs & { inputShape: [number, number, number, number] };
  backend: WasmBackendLike;
}): tf.TensorInfo {
  const { inputs: { dy, filter }, attrs, backend: b } = args;
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad as never, attrs.dimRoundingMode, true);
  return transposedConvolution(b, dy, filter, info, true);
}
