import * as tf from '@tensorflow/tfjs';
import { installBatchNormTrainingCall, uninstallBatchNormTrainingCall } from '../batchNormTrainingCall';
import { broadcastBatchNormGradient } from './batchNormGradient';
import { ACTIVATION_GRADIENT_KERNELS, holdActivationGradients, releaseActivationGradients } from '../activationGradients';
import { composedBatchNormTraining } from '../composedBatchNormTraining';
import { leakyReluGradKernel, leakyReluKernel, reluGradKernel } from './kernels/activations';
import { fusedBatchNormKernel } from './kernels/fusedBatchNorm';
import { conv2DBackpropFilter } from './kernels/conv2DBackpropFilter';
import { conv2DBackpropInputViaConv } from './kernels/conv2DBackpropInput';
import { depthwiseBackpropFilterViaConv, depthwiseBackpropInputViaConv } from './kernels/depthwiseBackprop';
import { meanLeadingAxes, sumLeadingAxes } from './kernels/leadingAxesReduce';
import { maxPoolGradScatter } from './kernels/maxPoolGrad';
import { sharedIdentity } from './kernels/sharedIdentity';
import { unsortedSegmentSumOnHeap } from './kernels/unsortedSegmentSum';
import { captureNativeKernels } from './nativeKernels';

/** Options of {@link installWasmTrainingKernels}. */
export interface WasmTrainingKernelOptions {
  /**
   * Also replace the FusedBatchNorm *gradient* by the broadcasting one (default true). Gradients are
   * registered per kernel, not per backend, so this one applies to every backend (same math, cheaper).
   */
  batchNormGradient?: boolean;
  /** Replace wasm's MaxPoolGrad by the one-pass scatter (default true). */
  maxPoolGrad?: boolean;
  /** Replace wasm's Sum/Mean by a one-pass column reduction when the leading axes are reduced (default true). */
  leadingAxisReductions?: boolean;
  /** Replace wasm's copying Identity (tfjs's clone, used for every tensor a gradient saves) by one that shares the buffer (default true). */
  sharedIdentity?: boolean;
  /**
   * Run training-mode BatchNormalization layers as one forward and one gradient heap kernel instead of
   * tfjs-layers' moments, FusedBatchNorm and their gradients (default true; composedBatchNormTraining).
   */
  batchNormTraining?: boolean;
}

/** What {@link installWasmTrainingKernels} registered: wasm kernel names and global gradient names. */
export interface InstalledWasmTrainingKernels {
  kernels: string[];
  gradients: string[];
  /** tfjs-layers classes whose training-mode call runs differently on 'wasm' (BatchNormalization: composedBatchNormTraining). */
  layerCalls: string[];
}

const copy = (r: InstalledWasmTrainingKernels): InstalledWasmTrainingKernels =>
  ({ kernels: [...r.kernels], gradients: [...r.gradients], layerCalls: [...r.layerCalls] });

type KernelFunc = tf.KernelConfig['kernelFunc'];
interface Replacement { name: string; kernelFunc: unknown; enabled: (o: Required<WasmTrainingKernelOptions>) => boolean }

const REPLACEMENTS: Replacement[] = [
  { name: 'Conv2DBackpropFilter', kernelFunc: conv2DBackpropFilter, enabled: () => true },
  { name: 'Conv2DBackpropInput', kernelFunc: conv2DBackpropInputViaConv, enabled: () => true },
  { name: 'DepthwiseConv2dNativeBackpropFilter', kernelFunc: depthwiseBackpropFilterViaConv, enabled: () => true },
  { name: 'DepthwiseConv2dNativeBackpropInput', kernelFunc: depthwiseBackpropInputViaConv, enabled: () => true },
  { name: 'MaxPoolGrad', kernelFunc: maxPoolGradScatter, enabled: (o) => o.maxPoolGrad },
  { name: 'Sum', kernelFunc: sumLeadingAxes, enabled: (o) => o.leadingAxisReductions },
  { name: 'Mean', kernelFunc: meanLeadingAxes, enabled: (o) => o.leadingAxisReductions },
  { name: 'UnsortedSegmentSum', kernelFunc: unsortedSegmentSumOnHeap, enabled: () => true },
  { name: 'Identity', kernelFunc: sharedIdentity, enabled: (o) => o.sharedIdentity },
  { name: 'LeakyRelu', kernelFunc: leakyReluKernel, enabled: () => true },
  { name: 'FusedBatchNorm', kernelFunc: fusedBatchNormKernel, enabled: () => true },
  { name: ACTIVATION_GRADIENT_KERNELS.relu, kernelFunc: reluGradKernel, enabled: () => true },
  { name: ACTIVATION_GRADIENT_KERNELS.leakyRelu, kernelFunc: leakyReluGradKernel, enabled: () => true },
];

let installed: InstalledWasmTrainingKernels | null = null;
const displacedKernels = new Map<string, tf.KernelConfig | undefined>();
let displacedGradient: tf.GradConfig | undefined;

/**
 * Registers tear-ssl's training kernels for the 'wasm' backend: Conv2DBackpropFilter/Input and the
 * depthwise pair as forward XNNPACK convolutions (dW's matMul with its operands swapped where dy is the
 * larger), MaxPoolGrad and leading-axis Sum/Mean as one-pass heap loops or SIMD kernels,
 * UnsortedSegmentSum (missing from wasm; k-means and IPH need it), Identity without a copy, LeakyRelu and
 * FusedBatchNorm as SIMD passes with wasm's own bits, the ReLU / LeakyReLU gradients as one SIMD pass each
 * (activationGradients.ts: those two gradients are global, and run tfjs-core's ops wherever the active
 * backend lacks the kernels); training-mode batch norm as composedBatchNormTraining (BatchNormalization
 * layers run their training calls through it while 'wasm' is active); optionally (default on) the
 * broadcasting FusedBatchNorm gradient, which is global. The SIMD kernels (simd/) run where the engine
 * has WebAssembly SIMD; elsewhere the loops and wasm's kernels do. Other backends' kernels are untouched.
 * A second call is a no-op and returns the first result.
 * Requires '@tensorflow/tfjs-backend-wasm' to be imported (the `tear-ssl/wasm` entry does it).
 */
export function installWasmTrainingKernels(options: WasmTrainingKernelOptions = {}): InstalledWasmTrainingKernels {
  if (installed !== null) return copy(installed);
  const opts: Required<WasmTrainingKernelOptions> = {
    batchNormGradient: options.batchNormGradient ?? true,
    maxPoolGrad: options.maxPoolGrad ?? true,
    leadingAxisReductions: options.leadingAxisReductions ?? true,
    sharedIdentity: options.sharedIdentity ?? true,
    batchNormTraining: options.batchNormTraining ?? true,
  };
  captureNativeKernels();
  const result: InstalledWasmTrainingKernels = { kernels: [], gradients: [], layerCalls: [] };
  for (const r of REPLACEMENTS) {
    if (!r.enabled(opts)) continue;
    const previous = tf.getKernel(r.name, 'wasm');
    displacedKernels.set(r.name, previous);
    if (previous !== undefined) tf.unregisterKernel(r.name, 'wasm');
    tf.registerKernel({
      kernelName: r.name, backendName: 'wasm', kernelFunc: r.kernelFunc as KernelFunc,
      // Keep wasm's setup (its cwrap of the C function) so a wasm backend created later still
      // initialises the native kernel this replacement delegates to.
      setupFunc: previous?.setupFunc,
    });
    result.kernels.push(r.name);
  }
  if (opts.batchNormGradient) {
    displacedGradient = tf.getGradient('FusedBatchNorm');
    if (displacedGradient !== undefined) tf.unregisterGradient('FusedBatchNorm');
    tf.registerGradient(broadcastBatchNormGradient);
    result.gradients.push('FusedBatchNorm');
  }
  result.gradients.push(...holdActivationGradients()); // Relu, LeakyRelu: the two kernels above on 'wasm'
  if (opts.batchNormTraining) {
    installBatchNormTrainingCall('wasm', composedBatchNormTraining);
    result.layerCalls.push('BatchNormalization');
  }
  installed = result;
  return copy(result);
}

/** Undoes {@link installWasmTrainingKernels}: puts back wasm's kernels and the stock gradient. */
export function uninstallWasmTrainingKernels(): void {
  if (installed === null) return;
  for (const name of installed.kernels) {
    tf.unregisterKernel(name, 'wasm');
    const previous = displacedKernels.get(name);
    if (previous !== undefined) tf.registerKernel(previous);
  }
  if (installed.gradients.includes('FusedBatchNorm')) {
    tf.unregisterGradient('FusedBatchNorm');
    if (displacedGradient !== undefined) tf.registerGradient(displacedGradient);
  }
  if (installed.layerCalls.includes('BatchNormalization')) uninstallBatchNormTrainingCall('wasm');
  releaseActivationGradients();
  displacedKernels.clear();
  displacedGradient = undefined;
  installed = null;
}

/** The current installation, or null. */
export function installedWasmTrainingKernels(): InstalledWasmTrainingKernels | null {
  return installed === null ? null : copy(installed);
}
