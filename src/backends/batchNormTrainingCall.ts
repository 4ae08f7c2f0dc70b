import * as tf from '@tensorflow/tfjs';
import { layerCallPatch } from './layerCallPatch';

/**
 * Training-mode calls of tfjs-layers' BatchNormalization through one backend-specific implementation
 * per backend: tfjs-layers computes the batch statistics with `tf.moments` (Mean, Sub, Square, Mean over
 * the full activation), runs FusedBatchNorm with them, and differentiates through all of it, about
 * fifteen full-size kernels per layer and step. A {@link BatchNormTraining} does the same math as one
 * forward kernel and one gradient kernel:
 *   y = γ·(x − μ_B)/√(σ²_B + ε) + β,   μ_B, σ²_B the mean and biased variance over every axis but the last.
 * The 'tensorflow' backend's is TensorFlow's FusedBatchNormV3 (src/backends/tensorflow/); the 'wasm'
 * backend's is two passes over the heap (src/backends/wasm/). Reference: Ioffe & Szegedy, "Batch
 * Normalization", ICML 2015.
 */

/**
 * Output of a training-mode batch norm: y and the batch statistics (for the moving averages; no
 * gradient flows through them). `mean` and `variance` are kept out of any enclosing tf.tidy: the
 * caller disposes them.
 */
export interface FusedBatchNormTrainingResult {
  y: tf.Tensor4D;
  /** μ_B [C]. */
  mean: tf.Tensor1D;
  /** σ²_B [C], biased (÷ N·H·W), as tf.moments gives it. */
  variance: tf.Tensor1D;
}

/** A training-mode batch norm of x [N, H, W, C] (float32) with γ, β [C]: y differentiable in x, γ and β. */
export type BatchNormTraining = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number) => FusedBatchNormTrainingResult;

/** The fields of tfjs-layers' BatchNormalization read here. */
interface BatchNormLayerLike {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}

/** tfjs-layers' BatchNormalization prototype (the class is not exported). */
const batchNormPrototype = (): object => Object.getPrototypeOf(tf.layers.batchNormalization({})) as object;

const implementations = new Map<string, BatchNormTraining>();

const patch = layerCallPatch<BatchNormLayerLike>(batchNormPrototype, (stock) => function batchNormTrainingCall(inputs, kwargs) {
  const input = Array.isArray(inputs) ? inputs[0] : inputs;
  const training = kwargs?.training === true;
  const lastAxis = this.axis === -1 || this.axis === input.rank - 1;
  const implementation = implementations.get(tf.getBackend());
  if (!training || implementation === undefined || input.rank !== 4 || input.dtype !== 'float32' || !lastAxis || input.size === 0
    || (Array.isArray(inputs) && inputs.length !== 1)) {
    return stock.call(this, inputs, kwargs);
  }
  return tf.tidy(() => {
    const channels = input.shape[3] as number;
    const gamma = (this.gamma?.read() ?? tf.ones([channels])) as tf.Tensor1D;
    const beta = (this.beta?.read() ?? tf.zeros([channels])) as tf.Tensor1D;
    const { y, mean, variance } = implementation(input as tf.Tensor4D, gamma, beta, this.epsilon);
    const decay = 1 - this.momentum;
    for (const [variable, value] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
      tf.tidy(() => {
        const orig = variable.read();
        variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), decay)));
      });
    }
    tf.dispose([mean, variance]);
    return y;
  });
});

/**
 * Makes every tfjs-layers BatchNormalization layer run its training-mode calls through `implementation`
 * while `backend` is the active backend, the input is a non-empty float32 [N, H, W, C] and the layer
 * normalises the last axis; everything else (inference, other backends, other ranks or axes) runs the
 * stock call. The moving mean and variance are updated as tfjs-layers does:
 * m ← m − (m − μ_B)(1 − momentum), v ← v − (v − σ²_B)(1 − momentum). Returns false (and changes nothing)
 * when `backend` already has an implementation.
 */
export function installBatchNormTrainingCall(backend: string, implementation: BatchNormTraining): boolean {
  if (implementations.has(backend)) return false;
  implementations.set(backend, implementation);
  patch.install();
  return true;
}

/** Removes `backend`'s implementation; the stock call comes back once no backend has one. */
export function uninstallBatchNormTrainingCall(backend: string): void {
  implementations.delete(backend);
  if (implementations.size === 0) patch.uninstall();
}

/** The backends whose training-mode batch norm currently runs through an implementation here. */
export function batchNormTrainingBackends(): string[] {
  return [...implementations.keys()];
}
