import * as tf from '@tensorflow/tfjs';
import { layerCallPatch } from './layerCallPatch';

/**
 * tfjs-layers' Conv2D runs `tf.fused.conv2d` (activation 'linear' included), whose gradient under a tape
 * is a `tf.customGrad` that computes dX and dW eagerly, together. tfjs prunes the gradients of inputs
 * that do not depend on the variables only for lazily computed ones, so the first convolution's dX
 * (the gradient of the input images, which nothing uses) is computed on every training step: on the
 * small CNN's first layer, [224, 28, 28, 1] from 32 channels, that is as costly as a later layer's dX.
 *
 * On tfjs-node the FusedConv2D kernel is itself Conv2D, then an Add of the bias, then the activation
 * (tfjs-node's kernels/FusedConv2D.js), so the same ops issued one by one, `tf.conv2d`, `tf.add(y, b)`
 * and the layer's activation, give the same values bit for bit; their gradients are registered per
 * kernel and lazy, and the tape skips dX where the input does not depend on the variables.
 *   y = act(conv2d(x, W) + b)   (act: linear or ReLU; other activations keep the fused call)
 * On the other backends (cpu, wasm, webgl, webgpu) FusedConv2D is a kernel of its own, with the bias
 * and activation inside; without bias and with a linear activation it computes the same sums as
 * Conv2D, so there only such layers (the small CNN's first two) take the unfused path.
 * Reference: tfjs-core ops/fused/conv2d.ts (customGrad), tape.ts (getFilteredNodesXToY).
 */

/** The fields of tfjs-layers' Conv2D read here. */
interface Conv2DLayerLike {
  rank: number;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor } | null;
}

/** tfjs-layers' Conv2D prototype (the class is exported only through the factory). */
const conv2DPrototype = (): object => Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })) as object;

const ACTIVATIONS = new Set(['linear', 'relu']);

const patch = layerCallPatch<Conv2DLayerLike>(conv2DPrototype, (stock) => function prunableTrainingCall(inputs, kwargs) {
  const input = Array.isArray(inputs) ? inputs[0] : inputs;
  const activation = this.activation?.getClassName().toLowerCase() ?? 'linear';
  const dilations = (Array.isArray(this.dilationRate) ? this.dilationRate : [this.dilationRate, this.dilationRate]) as [number, number];
  // dilations > 1 have no gradient in tfjs either way: the stock call keeps its error
  const unfusedSameBits = tf.getBackend() === 'tensorflow' ? ACTIVATIONS.has(activation) : activation === 'linear' && this.bias === null;
  if (kwargs?.training !== true || dilations.some((d) => d !== 1) || !unfusedSameBits || this.rank !== 2 || this.dataFormat !== 'channelsLast'
    || input.rank !== 4 || input.dtype !== 'float32' || (Array.isArray(inputs) && inputs.length !== 1)) {
    return stock.call(this, inputs, kwargs);
  }
  return tf.tidy(() => {
    let y = tf.conv2d(input as tf.Tensor4D, this.kernel.read() as tf.Tensor4D, this.strides as [number, number],
      this.padding === 'same' ? 'same' : 'valid', 'NHWC', dilations);
    if (this.bias !== null) y = tf.add(y, this.bias.read());
    return activation === 'relu' ? tf.relu(y) : y;
  });
});

/**
 * Makes every tfjs-layers Conv2D layer run training-mode calls as unfused ops (see the file comment)
 * when its data format is channelsLast, its input a float32 [N, H, W, C], its dilation 1, and its
 * activation linear or ReLU on 'tensorflow' (linear without bias on other backends); everything else
 * runs the stock call. Same values bit for bit; the first layer's dX is no longer computed.
 * Idempotent; returns whether it installed now. selectBackend installs it for every backend it picks.
 */
export function installPrunableConv2DTraining(): boolean {
  return patch.install();
}

/** Restores tfjs-layers' own Conv2D call (for A/B timing and tests). */
export function uninstallPrunableConv2DTraining(): void {
  patch.uninstall();
}

/** Whether {@link installPrunableConv2DTraining} is in effect. */
export function prunableConv2DTrainingInstalled(): boolean {
  return patch.installed();
}
