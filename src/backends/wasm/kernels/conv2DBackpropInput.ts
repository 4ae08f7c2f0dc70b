import * as tf from '@tensorflow/tfjs';
import { release, reshape, runNative, transpose, type WasmBackendLike } from '../nativeKernels';
import { transposedConvAxis, zeroInsertWindow } from './zeroInsert';

interface Args {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  attrs: { strides: [number, number] | number; pad: tf.backend_util.PadInfo['type'] | 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat?: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; inputShape: [number, number, number, number] };
  backend: WasmBackendLike;
}

/**
 * dx of a 2-D convolution as one forward XNNPACK convolution: the zero-inserted dy (stride s → s−1
 * zeros between rows/columns) correlated with the filter flipped in space and transposed in/out,
 * wT[a,b,o,i] = w[kh−1−a, kw−1−b, i, o], stride 1, pads kh−1−padTop (negative pads crop).
 * dy [N,Ho,Wo,Co], filter [kh,kw,Ci,Co] → dx [N,H,W,Ci]. NCHW goes to wasm's own kernel.
 */
export function conv2DBackpropInputViaConv(args: Args): tf.TensorInfo {
  const { inputs: { dy, filter }, attrs, backend: b } = args;
  if (attrs.dataFormat === 'NCHW') {
    return runNative('Conv2DBackpropInput', b, { dy, filter }, attrs as unknown as Record<string, unknown>);
  }
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number],
    attrs.strides, 1, attrs.pad as never, attrs.dimRoundingMode);
  return transposedConvolution(b, dy, filter, info, false);
}

/**
 * Shared by the dense and depthwise input gradients: builds the flipped filter, the zero-inserted
 * dy and runs the forward kernel (Conv2D, or DepthwiseConv2dNative with multiplier 1 over C·M).
 */
export function transposedConvolution(
  b: WasmBackendLike, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, depthwise: boolean,
): tf.TensorInfo {
  const rows = transposedConvAxis(info.inHeight, info.outHeight, info.strideHeight, info.effectiveFilterHeight, info.padInfo.top);
  const cols = transposedConvAxis(info.inWidth, info.outWidth, info.strideWidth, info.effectiveFilterWidth, info.padInfo.left);
  const [kh, kw, ci, co] = filter.shape;
  const outChannels = depthwise ? ci * co : ci;
  if (rows.size <= 0 || cols.size <= 0) {
    const zeros = b.makeOutput([info.batchSize, info.inHeight, info.inWidth, outChannels], 'float32');
    (b.typedArrayFromHeap(zeros) as Float32Array).fill(0);
    return zeros;
  }
  const flipped = runNative('Reverse', b, { x: filter }, { dims: [0, 1] });
  const flippedFilter = depthwise ? reshape(b, flipped, [kh, kw, ci * co, 1]) : transpose(b, flipped, [0, 1, 3, 2]);
  const unitStride = info.strideHeight === 1 && info.strideWidth === 1;
  const untouched = unitStride && rows.begin === 0 && cols.begin === 0 && rows.size === info.outHeight && cols.size === info.outWidth;
  const spread = untouched ? dy : zeroInsertWindow(b, dy, [info.strideHeight, info.strideWidth], rows, cols);
  const pad = [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]];
  const dilations = [info.dilationHeight, info.dilationWidth];
  const dx = runNative(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', b, { x: spread, filter: flippedFilter },
    { strides: [1, 1], pad, dilations, dataFormat: 'NHWC' });
  release(b, flipped, flippedFilter);
  if (spread !== dy) release(b, spread);
  if (!depthwise || co === 1) return dx;
  const perMultiplier = reshape(b, dx, [info.batchSize, info.inHeight, info.inWidth, ci, co]);
  const summed = runNative('Sum', b, { x: perMultiplier }, { axis: [4], keepDims: false });
  release(b, dx, perMultiplier);
  return summed;
}
