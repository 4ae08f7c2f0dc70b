import * as tf from '@tensorflow/tfjs';
import { layerCallPatch } from '../layerCallPatch';
import { float32Attr, type NodeBackendLike, type TfOpAttr } from './nodeBackend';

/**
 * Max pooling with its gradient as oneDNN's pooling on tfjs-node's CPU device.
 *
 * TensorFlow's CPU `MaxPoolGrad` recomputes each window's maximum from x and y in a slow generic loop
 * (about 12 ms for a [224, 28, 28, 32] input here, against under 1 ms for the forward pool); tear-ssl's
 * quarter-image replacement (maxPoolGrad.ts) is no faster. The libtensorflow builds that ship oneDNN
 * (Linux x86-64, `TF_ENABLE_ONEDNN_OPTS` on, the default) register `_MklNativeMaxPool`, whose forward
 * also writes a *workspace* (the position of each window's maximum), and `_MklNativeMaxPoolGrad`,
 * which routes dy through that workspace: a scatter, about 1 ms for the same input.
 *   y[n, i, j, c] = max over the window (i·sh + a, j·sw + b) of x[n, ·, ·, c],
 *   dx[n, p, q, c] = Σ over windows whose maximum sits at (p, q): dy[n, i, j, c],
 * the maximum being the first in row-major window order on ties, as TensorFlow's own kernels (tests:
 * bit-identical y and dx, ties included, overlapping windows too). Only unpadded pooling ('valid', or
 * 'same' where it pads nothing) runs here: with padding, oneDNN's gradient differed from TensorFlow's
 * on post-ReLU inputs (ties with the padded border), so padded layers keep the stock call.
 * Reference: TensorFlow's mkl_maxpooling_op.cc; oneDNN's pooling primitive.
 */

const KERNEL_LABEL = 'MklNameChangeOp';

/** Total padding TensorFlow's 'same' adds along a side of `size` for `window` and `stride`. */
const samePadding = (size: number, window: number, stride: number): number => Math.max((Math.ceil(size / stride) - 1) * stride + window - size, 0);

/** Whether pooling x [N, H, W, C] with these options pads nothing (then oneDNN and TensorFlow agree to the bit). */
export function poolsWithoutPadding(shape: readonly number[], o: OneDnnMaxPoolOptions): boolean {
  if (o.padding === 'valid') return true;
  return samePadding(shape[1], o.poolSize[0], o.strides[0]) === 0 && samePadding(shape[2], o.poolSize[1], o.strides[1]) === 0;
}

/** Options of {@link oneDnnMaxPool}: window and strides [rows, cols], and TensorFlow's padding. */
export interface OneDnnMaxPoolOptions {
  poolSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
}

function poolAttrs(b: NodeBackendLike, o: OneDnnMaxPoolOptions): TfOpAttr[] {
  return [
    { name: 'ksize', type: b.binding.TF_ATTR_INT, value: [1, o.poolSize[0], o.poolSize[1], 1] },
    { name: 'strides', type: b.binding.TF_ATTR_INT, value: [1, o.strides[0], o.strides[1], 1] },
    { name: 'padding', type: b.binding.TF_ATTR_STRING, value: o.padding === 'same' ? 'SAME' : 'VALID' },
    { name: 'data_format', type: b.binding.TF_ATTR_STRING, value: 'NHWC' },
    float32Attr(b),
    { name: 'workspace_enabled', type: b.binding.TF_ATTR_BOOL, value: true },
    { name: '_kernel', type: b.binding.TF_ATTR_STRING, value: KERNEL_LABEL },
  ];
}

const availability = new WeakMap<object, boolean>();

/**
 * Whether the active backend can run {@link oneDnnMaxPool}: 'tensorflow' on its CPU device, with a
 * libtensorflow that registers the oneDNN pooling ops (probed once per backend instance on a 1×2×2×1 input).
 */
export function oneDnnMaxPoolAvailable(): boolean {
  if (tf.getBackend() !== 'tensorflow') return false;
  const b = tf.backend() as unknown as NodeBackendLike;
  if (b.isUsingGpuDevice === true || typeof b.executeMultipleOutputs !== 'function') return false;
  const known = availability.get(b);
  if (known !== undefined) return known;
  let ok = false;
  try {
    tf.tidy(() => {
      const x = tf.tensor4d([1, 3, 2, 0], [1, 2, 2, 1]);
      const [y, workspace] = b.executeMultipleOutputs('_MklNativeMaxPool', poolAttrs(b, { poolSize: [2, 2], strides: [2, 2], padding: 'valid' }), [x], 2);
      const dx = b.executeSingleOutput('_MklNativeMaxPoolGrad', poolAttrs(b, { poolSize: [2, 2], strides: [2, 2], padding: 'valid' }), [x, y, tf.scalar(5).reshape([1, 1, 1, 1]), workspace]);
      ok = y.dataSync()[0] === 3 && Array.from(dx.dataSync()).join() === '0,5,0,0';
    });
  } catch {
    ok = false;
  }
  availability.set(b, ok);
  return ok;
}

/**
 * Max pooling of x [N, H, W, C] (float32, NHWC) on 'tensorflow' with oneDNN, whose gradient routes dy
 * through the forward's workspace. Requires {@link oneDnnMaxPoolAvailable}; the workspace lives as long
 * as the gradient tape needs it (customGrad's saved tensors) and is not returned.
 */
export function oneDnnMaxPool(x: tf.Tensor4D, options: OneDnnMaxPoolOptions): tf.Tensor4D {
  if (!oneDnnMaxPoolAvailable()) throw new Error(`tear-ssl.oneDnnMaxPool: needs tfjs-node on the CPU with oneDNN's pooling ops; backend '${tf.getBackend()}'`);
  if (!poolsWithoutPadding(x.shape, options)) {
    throw new Error(`tear-ssl.oneDnnMaxPool: pooling [${x.shape.join(',')}] with window [${options.poolSize.join(',')}], strides [${options.strides.join(',')}] and 'same' pads the border; only unpadded pooling is supported (use tf.maxPool)`);
  }
  const b = tf.backend() as unknown as NodeBackendLike;
  const attrs = poolAttrs(b, options);
  const op = tf.customGrad(((xIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, workspace] = b.executeMultipleOutputs('_MklNativeMaxPool', attrs, [xIn], 2);
    save([xIn, y, workspace]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ys, ws] = saved;
        return b.executeSingleOutput('_MklNativeMaxPoolGrad', attrs, [xs, ys, dy as tf.Tensor, ws]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor4D;
}

/** The fields of tfjs-layers' MaxPooling2D read here. */
interface MaxPoolLayerLike {
  poolSize: [number, number];
  strides: [number, number];
  padding: string;
  dataFormat: string;
  invokeCallHook(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): void;
}

/** tfjs-layers' MaxPooling2D prototype (the class is exported only through the factory; its call is Pooling2D's, inherited). */
const maxPoolPrototype = (): object => Object.getPrototypeOf(tf.layers.maxPooling2d({})) as object;

const patch = layerCallPatch<MaxPoolLayerLike>(maxPoolPrototype, (stock) => function oneDnnTrainingCall(inputs, kwargs) {
  const input = Array.isArray(inputs) ? inputs[0] : inputs;
  if (kwargs?.training !== true || this.dataFormat !== 'channelsLast' || input.rank !== 4 || input.dtype !== 'float32'
    || (Array.isArray(inputs) && inputs.length !== 1) || !oneDnnMaxPoolAvailable()) {
    return stock.call(this, inputs, kwargs);
  }
  const options: OneDnnMaxPoolOptions = {
    poolSize: [this.poolSize[0], this.poolSize[1]], strides: [this.strides[0], this.strides[1]], padding: this.padding === 'same' ? 'same' : 'valid',
  };
  if (!poolsWithoutPadding(input.shape, options)) return stock.call(this, inputs, kwargs);
  return tf.tidy(() => {
    this.invokeCallHook(inputs, kwargs);
    return oneDnnMaxPool(input as tf.Tensor4D, options);
  });
});

/**
 * Makes every tfjs-layers MaxPooling2D layer run training-mode calls through {@link oneDnnMaxPool} when
 * the backend is 'tensorflow' with oneDNN's pooling ops, the input a float32 [N, H, W, C], the data
 * format channelsLast and the pooling unpadded; everything else (inference, other backends,
 * channelsFirst, padded 'same' pooling) runs the stock call.
 * Same values as the stock layer bit for bit. Idempotent; returns whether it installed now.
 * selectBackend installs it with the other tensorflow training kernels.
 */
export function installOneDnnMaxPoolTraining(): boolean {
  return patch.install();
}

/** Restores tfjs-layers' own MaxPooling2D call (for A/B timing and tests). */
export function uninstallOneDnnMaxPoolTraining(): void {
  patch.uninstall();
}

/** Whether {@link installOneDnnMaxPoolTraining} is in effect. */
export function oneDnnMaxPoolTrainingInstalled(): boolean {
  return patch.installed();
}
