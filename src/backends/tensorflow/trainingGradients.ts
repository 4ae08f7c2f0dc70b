import * as tf from '@tensorflow/tfjs';
import { ACTIVATION_GRADIENT_KERNELS, holdActivationGradients, releaseActivationGradients } from '../activationGradients';
import { maxPoolGrad2x2 } from './maxPoolGrad';
import { float32Attr, type NodeBackendLike } from './nodeBackend';

/**
 * Cheaper gradients for training on the 'tensorflow' backend (tfjs-node, tfjs-node-gpu).
 *
 * tfjs builds each gradient from generic ops, and on tfjs-node every op is one TensorFlow kernel
 * launch over the full activation. Per ReLU, tfjs-core's gradient `dy·step(x)` runs eight
 * full-size kernels there (tfjs-node's `Step` alone is IsNan, Greater, two Fills and two Selects);
 * TensorFlow's own `ReluGrad` is one. The gradients of Mean and Sum (every batch norm's moments, the
 * global average pool) multiply by a full-size `ones` and then divide: three full-size kernels where
 * one `Tile` of dy/N does. The FusedBatchNorm gradient (see {@link factoredBatchNormGradient})
 * needs five full-size kernels where tfjs-core's builds full-size Tiles and about twelve more.
 *
 * Gradients are registered per kernel for every backend at once, so each one here checks the
 * active backend when it runs: on 'tensorflow' it takes the cheap form, on any other backend it
 * calls the gradient it displaced, unchanged. Results on 'tensorflow' are bit-identical to the stock
 * gradients for finite inputs: TensorFlow's ReluGrad is dy·(x > 0) and LeakyReluGrad is
 * (x > 0 ? dy : α·dy), the same products; (dy·1)/N equals dy/N. (Only a NaN activation differs:
 * the stock ReLU gradient passes NaN on, ReluGrad gives 0; training has diverged by then.) The
 * batch-norm gradient is the same math with the per-channel factors taken out of the sums, so its
 * float32 rounding differs (relative differences of order 1e-6).
 */

const floatType = (b: NodeBackendLike) => float32Attr(b);

const KERNELS: tf.KernelConfig[] = [
  {
    kernelName: ACTIVATION_GRADIENT_KERNELS.relu, backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as unknown as NodeBackendLike;
      return b.executeSingleOutput('ReluGrad', [floatType(b)], [inputs.dy as tf.TensorInfo, inputs.x as tf.TensorInfo]) as unknown as tf.TensorInfo;
    },
  },
  {
    kernelName: ACTIVATION_GRADIENT_KERNELS.leakyRelu, backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as NodeBackendLike;
      const alpha = { name: 'alpha', type: b.binding.TF_ATTR_FLOAT, value: (attrs as { alpha: number }).alpha };
      return b.executeSingleOutput('LeakyReluGrad', [floatType(b), alpha], [inputs.dy as tf.TensorInfo, inputs.x as tf.TensorInfo]) as unknown as tf.TensorInfo;
    },
  },
];

const onTensorflow = (): boolean => tf.getBackend() === 'tensorflow';

/** dy reshaped to x's rank with the reduced axes kept as 1. */
function expandReduced(dy: tf.Tensor, x: tf.Tensor, axis: unknown): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.reshape(dy, shape);
}

/**
 * Gradient of FusedBatchNorm, y = (x − μ)·s·r + β with r = 1/√(σ² + ε), with the per-channel factors
 * moved out of the sums over the broadcast axes (Σ′ below):
 *   dx = dy·(s·r)   dμ = −s·r·Σ′dy   dσ² = −½·s·r³·Σ′(dy·(x − μ))   ds = r·Σ′(dy·(x − μ))   dβ = Σ′dy.
 * Full-size kernels: x − μ, dy·(x − μ), dy·(s·r) and the two sums, five in all.
 */
export const factoredBatchNormGradient: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const dyT = dy as tf.Tensor;
    const [x, mean, variance, scale] = saved;
    const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const axes: number[] = [];
    for (let i = 0; i < x.rank - mean.rank; i++) axes.push(i);
    const reduce = (t: tf.Tensor): tf.Tensor => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    const s = scale ?? tf.scalar(1);
    const r = tf.rsqrt(tf.add(variance, tf.scalar(epsilon)));
    const sumDy = reduce(dyT);
    const sumDyCentered = reduce(tf.mul(dyT, tf.sub(x, mean)));
    return {
      x: () => tf.mul(dyT, tf.mul(s, r)),
      mean: () => tf.neg(tf.mul(tf.mul(s, r), sumDy)),
      variance: () => tf.mul(tf.mul(tf.mul(s, tf.pow(r, tf.scalar(3))), tf.scalar(-0.5)), sumDyCentered),
      scale: () => tf.mul(r, sumDyCentered),
      offset: () => tf.clone(sumDy),
    };
  },
};

/** Gradient configs for 'tensorflow', each given the stock config it falls back to elsewhere. */
const GRADIENTS: Array<(stock: tf.GradConfig) => tf.GradConfig> = [
  (stock) => ({
    kernelName: 'Mean', inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      // An empty x (an empty unlabeled batch) keeps the stock gradient: on tfjs-node, broadcastTo from [1]
      // to a shape holding a 0 gave a tensor of shape [1], which the tape rejects.
      if (!onTensorflow() || x.size === 0) return stock.gradFunc(dy, saved, attrs);
      const expanded = expandReduced(dy as tf.Tensor, x, (attrs as { axis: unknown }).axis);
      const reduceSize = x.size / expanded.size;
      return { x: () => tf.broadcastTo(tf.div(expanded, reduceSize), x.shape) };
    },
  }),
  (stock) => ({
    kernelName: 'Sum', inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      // An empty x (an empty unlabeled batch) keeps the stock gradient: on tfjs-node, broadcastTo from [1]
      // to a shape holding a 0 gave a tensor of shape [1], which the tape rejects.
      if (!onTensorflow() || x.size === 0) return stock.gradFunc(dy, saved, attrs);
      const expanded = expandReduced(dy as tf.Tensor, x, (attrs as { axis: unknown }).axis);
      return { x: () => tf.broadcastTo(expanded, x.shape) };
    },
  }),
  (stock) => ({
    kernelName: 'FusedBatchNorm', inputsToSave: factoredBatchNormGradient.inputsToSave,
    gradFunc: (dy, saved, attrs) => (onTensorflow() ? factoredBatchNormGradient : stock).gradFunc(dy, saved, attrs),
  }),
];

/** What {@link installTensorflowTrainingGradients} registered. */
export interface InstalledTensorflowTrainingGradients {
  /** Kernel names whose gradient now has a 'tensorflow' form. */
  gradients: string[];
  /** Kernels registered (or replaced: MaxPoolGrad, only when tfjs-node is loaded) for the 'tensorflow' backend. */
  kernels: string[];
}

let installed: {
  result: InstalledTensorflowTrainingGradients; displaced: Map<string, tf.GradConfig>; displacedKernels: Map<string, tf.KernelConfig>;
} | null = null;

/** 'tensorflow' MaxPoolGrad: the quarter-image form for 2×2 / stride 2 (see maxPoolGrad2x2), else the displaced kernel. */
function maxPoolGradKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'MaxPoolGrad', backendName: 'tensorflow',
    kernelFunc: (args) => {
      const { dy, input, output } = args.inputs as unknown as { dy: tf.Tensor4D; input: tf.Tensor4D; output: tf.Tensor4D };
      const fast = maxPoolGrad2x2(dy, input, output, args.attrs as unknown as Parameters<typeof maxPoolGrad2x2>[3]);
      return fast ?? stock.kernelFunc(args);
    },
  };
}

/**
 * Registers the cheaper 'tensorflow' gradients of Relu, LeakyRelu, Mean, Sum and FusedBatchNorm
 * (see the file comment) and the two kernels they use, and, when tfjs-node is loaded, replaces its
 * MaxPoolGrad kernel for 2×2 / stride-2 pooling (see maxPoolGrad2x2). Other backends keep the gradients they had
 * (a gradient installed earlier, e.g. by installWasmTrainingKernels, is the one used there). Call it
 * after installWasmTrainingKernels when both are used in one process: that one registers its
 * batch-norm gradient for every backend and would displace this one. Safe to call without tfjs-node
 * loaded (MaxPoolGrad is then left alone). A second call is a no-op and returns the first result.
 */
export function installTensorflowTrainingGradients(): InstalledTensorflowTrainingGradients {
  if (installed !== null) return { gradients: [...installed.result.gradients], kernels: [...installed.result.kernels] };
  const displaced = new Map<string, tf.GradConfig>();
  const result: InstalledTensorflowTrainingGradients = { gradients: [], kernels: [] };
  for (const kernel of KERNELS) {
    if (tf.getKernel(kernel.kernelName, kernel.backendName) === undefined) tf.registerKernel(kernel);
    result.kernels.push(kernel.kernelName);
  }
  const displacedKernels = new Map<string, tf.KernelConfig>();
  const replacements: Array<[string, (stock: tf.KernelConfig) => tf.KernelConfig]> = [
    ['MaxPoolGrad', maxPoolGradKernel],
  ];
  for (const [name, make] of replacements) {
    const stock = tf.getKernel(name, 'tensorflow');
    if (stock === undefined) continue;
    displacedKernels.set(name, stock);
    tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel(make(stock));
    result.kernels.push(name);
  }
  result.gradients.push(...holdActivationGradients()); // Relu, LeakyRelu: run the two KERNELS above on 'tensorflow'
  for (const make of GRADIENTS) {
    const probe = make({ kernelName: '', gradFunc: () => ({}) });
    const stock = tf.getGradient(probe.kernelName);
    if (stock === undefined) continue;
    displaced.set(probe.kernelName, stock);
    tf.unregisterGradient(probe.kernelName);
    tf.registerGradient(make(stock));
    result.gradients.push(probe.kernelName);
  }
  installed = { result, displaced, displacedKernels };
  return { gradients: [...result.gradients], kernels: [...result.kernels] };
}

/** Undoes {@link installTensorflowTrainingGradients}: puts back the displaced gradients. */
export function uninstallTensorflowTrainingGradients(): void {
  if (installed === null) return;
  releaseActivationGradients();
  for (const [name, stock] of installed.displaced) {
    tf.unregisterGradient(name);
    tf.registerGradient(stock);
  }
  for (const kernel of KERNELS) if (tf.getKernel(kernel.kernelName, kernel.backendName) !== undefined) tf.unregisterKernel(kernel.kernelName, kernel.backendName);
  for (const [name, stock] of installed.displacedKernels) {
    tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel(stock);
  }
  installed = null;
}
