import * as tf from '@tensorflow/tfjs';
import { release, runNative, transpose, type WasmBackendLike } from '../nativeKernels';

interface Args {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  attrs: { strides: [number, number] | number; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat?: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
  backend: WasmBackendLike;
}

/**
 * dW of a 2-D convolution as one forward XNNPACK convolution with batch and channels swapped:
 * dW[a,b,i,o] = Σ_{n,p,q} xpad[n, p·sh+a, q·sw+b, i]·dy[n,p,q,o]
 *            = Conv2D(x → [Ci,H,W,N], filter dy → [Ho,Wo,N,Co], stride 1, dilation (sh,sw), same pads)
 * cropped to [Ci,kh,kw,Co] and transposed to [kh,kw,Ci,Co]. x [N,H,W,Ci], dy [N,Ho,Wo,Co].
 */
export function conv2DBackpropFilterViaConv(args: Args): tf.TensorInfo {
  const { inputs: { x, dy }, attrs, backend: b } = args;
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('tear-ssl wasm Conv2DBackpropFilter: only NHWC (channelsLast) is supported, as for wasm Conv2D');
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape,
    attrs.strides, 1, attrs.pad as never, attrs.dimRoundingMode);
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
