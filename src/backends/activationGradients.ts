import * as tf from '@tensorflow/tfjs';

/**
 * ReLU's and LeakyReLU's gradients in one kernel where the active backend has one. tfjs-core writes them
 * from generic ops: dy·step(x) for ReLU (on tfjs-node `Step` alone is six kernels), where(x > 0, dy, α·dy)
 * for LeakyReLU (Greater, Multiply, Select: three full-size passes). A backend that registers the kernels
 * named in {@link ACTIVATION_GRADIENT_KERNELS} gets them run instead, inputs `{dy, x}` (and LeakyReLU's
 * attrs): tfjs-node registers TensorFlow's ReluGrad / LeakyReluGrad (installTensorflowTrainingGradients),
 * wasm one SIMD pass each (installWasmTrainingKernels). Elsewhere, and for non-float32 gradients, the
 * gradient that was registered before runs unchanged. Gradients are registered per kernel for every
 * backend at once, so both installers share these two through {@link holdActivationGradients}.
 */
export const ACTIVATION_GRADIENT_KERNELS = { relu: 'TearReluGrad', leakyRelu: 'TearLeakyReluGrad' } as const;

const hasKernel = (name: string): boolean => tf.getKernel(name, tf.getBackend()) !== undefined;

const GRADIENTS: Array<(stock: tf.GradConfig) => tf.GradConfig> = [
  (stock) => ({
    kernelName: 'Relu', inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => hasKernel(ACTIVATION_GRADIENT_KERNELS.relu) && (dy as tf.Tensor).dtype === 'float32'
      ? { x: () => tf.engine().runKernel(ACTIVATION_GRADIENT_KERNELS.relu, { dy: dy as tf.Tensor, x: saved[0] }) as tf.Tensor }
      : stock.gradFunc(dy, saved, attrs),
  }),
  (stock) => ({
    kernelName: 'LeakyRelu', inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => hasKernel(ACTIVATION_GRADIENT_KERNELS.leakyRelu) && (dy as tf.Tensor).dtype === 'float32'
      ? { x: () => tf.engine().runKernel(ACTIVATION_GRADIENT_KERNELS.leakyRelu, { dy: dy as tf.Tensor, x: saved[0] }, attrs as tf.NamedAttrMap) as tf.Tensor }
      : stock.gradFunc(dy, saved, attrs),
  }),
];

let holders = 0;
const displaced = new Map<string, tf.GradConfig>();

/**
 * Registers the two gradients (the first holder does; later ones only count) and returns their kernel
 * names. Each call must be matched by one {@link releaseActivationGradients}.
 */
export function holdActivationGradients(): string[] {
  if (holders++ === 0) {
    for (const make of GRADIENTS) {
      const name = make({ kernelName: '', gradFunc: () => ({}) }).kernelName;
      const stock = tf.getGradient(name);
      if (stock === undefined) continue;
      displaced.set(name, stock);
      tf.unregisterGradient(name);
      tf.registerGradient(make(stock));
    }
  }
  return [...displaced.keys()];
}

/** Drops one hold; the last puts back the gradients that were registered before. */
export function releaseActivationGradients(): void {
  if (holders === 0) return;
  if (--holders > 0) return;
  for (const [name, stock] of displaced) {
    tf.unregisterGradient(name);
    tf.registerGradient(stock);
  }
  displaced.clear();
}
