/**
 * The cases of the kernel-coverage check, without a test runner: datasets, the backbones at small size,
 * the two-step training run and the augmentation-op sweep. Shared by test/backends/kernelCoverage.test.ts
 * (Node: cpu, wasm, tensorflow) and test/backendChecks/ (webgpu in Chromium, and on a real adapter through
 * scripts/device/webgpu-check.sh), so every backend runs the same steps. Failures throw an Error that
 * names the method, the backbone and what went wrong.
 */
import * as tf from '@tensorflow/tfjs';
import { cutout } from '../../src/augment/cutout';
import { medicalPreset } from '../../src/augment/medicalPreset';
import { applyRandAugmentOp, RAND_AUGMENT_OPS, randAugmentParameter, strongAugment } from '../../src/augment/randAugment';
import { weakAugment } from '../../src/augment/weakAugment';
import { evaluationBatches, labeledBatches, unlabeledBatches } from '../../src/data/batchSource';
import type { ImageDataset } from '../../src/data/types';
import { createSmallCnn } from '../../src/models/smallCnn';
import { createTearEncoder } from '../../src/models/tearEncoder';
import { createWideResNet } from '../../src/models/wideResNet';
import { Random } from '../../src/state/random';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import type { MethodName } from '../../src/training/algorithms/registry';

export const CLASSES = 3;

function rgbDataset(n: number, side: number): ImageDataset {
  const rng = new Random(5);
  const images = new Float32Array(n * side * side * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % CLASSES;
    for (let p = 0; p < side * side * 3; p++) images[i * side * side * 3 + p] = Math.min(1, 0.6 * rng.next() + (p % 3 === labels[i] ? 0.4 : 0));
  }
  return { images, labels, shape: [side, side, 3], numClasses: CLASSES, classNames: ['r', 'g', 'b'] };
}

export interface Backbone { side: number; build: (side: number) => tf.LayersModel }

/** Each shipped backbone at a small size, with the smallest input it accepts (the TEAR encoder needs 32×32). */
export const BACKBONES: Record<string, Backbone> = {
  'small CNN': { side: 16, build: (s) => createSmallCnn({ inputShape: [s, s, 3], numClasses: CLASSES, width: 1, seed: 1 }) },
  'WRN (depth 10, widen 1)': { side: 16, build: (s) => createWideResNet({ inputShape: [s, s, 3], numClasses: CLASSES, depth: 10, widen: 1, dropout: 0.1, seed: 1 }) },
  'TEAR encoder': { side: 32, build: (s) => createTearEncoder({ inputShape: [s, s, 3], numClasses: CLASSES, dropout: 0.1, seed: 1 }) },
};

/**
 * The pure-JS cpu backend is for small unit tests, not training: a small-CNN FixMatch step takes minutes on
 * it (about 400× slower than wasm with tear-ssl's kernels). On cpu the methods and augmentations run on
 * this tiny conv net instead (conv, batch norm, ReLU, global pooling, dense: the small CNN's kernels); the
 * shipped backbones run on wasm and tensorflow. SwiftShader's WebGPU is slow too, so it uses the tiny net.
 */
function tinyCnn(side: number): tf.LayersModel {
  const input = tf.input({ shape: [side, side, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  const features = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features] });
}
export const TINY_CNN = 'tiny test CNN';
export const TINY: Record<string, Backbone> = { [TINY_CNN]: { side: 16, build: tinyCnn } };

const datasets = new Map<number, ImageDataset>();
function dataset(side: number): ImageDataset {
  if (!datasets.has(side)) datasets.set(side, rgbDataset(24, side));
  return datasets.get(side) as ImageDataset;
}

/** Side of the images the augmentation sweep uses. */
export const AUGMENT_SIDE = 16;
export const AUGMENTATIONS = {
  natural: () => ({ weak: weakAugment(), strong: strongAugment() }),
  medical: () => medicalPreset(),
};
export type AugmentationName = keyof typeof AUGMENTATIONS;

function fail(what: string, message: string): never {
  throw new Error(`${what}: ${message}`);
}

/** The logs of the two steps (for comparing backends) and the tensor counts around the second step. */
export interface TwoStepResult {
  logs: Array<{ loss: number; supervised: number; unlabeled: number; iph: number }>;
  tensorsBeforeSecondStep: number;
  tensorsAfterSecondStep: number;
}

/**
 * Two training steps of `method` with `backbone` and an augmentation family. Throws unless: every logged
 * loss is finite, some trainable weight moved, the tensor count after the second step equals the count
 * before it, and the evaluation runs. `side` overrides the backbone's input side (the tiny net takes any).
 */
export async function twoSteps(method: string, backbone: string, augmentation: AugmentationName, side?: number): Promise<TwoStepResult> {
  const what = `${method} with the ${backbone} and the ${augmentation} augmentations`;
  const entry = ({ ...BACKBONES, ...TINY })[backbone];
  if (entry === undefined) fail(what, 'unknown backbone');
  const s = side ?? entry.side;
  const model = entry.build(s);
  const data = dataset(s);
  const { weak, strong } = AUGMENTATIONS[augmentation]();
  const trainer = await SemiSupervisedTrainer.create({
    model,
    labeled: (k) => labeledBatches(data, [0, 1, 2, 3, 4, 5], 3, { seed: 1, startStep: k, prefetch: 0 }),
    unlabeled: (k) => unlabeledBatches(data, Array.from({ length: 18 }, (_, i) => 6 + i), 6, { seed: 2, startStep: k, prefetch: 0, withHiddenLabels: true }),
    validation: () => evaluationBatches(data, [0, 1, 2], 3),
    weakAugment: weak,
    strongAugment: strong,
    config: { method: method as MethodName, numClasses: CLASSES, totalSteps: 10, seed: 3, threshold: 0.3, iph: { numClusters: CLASSES }, memory: { numSamples: data.labels.length } },
  });
  try {
    const before = await Promise.all(model.trainableWeights.map((w) => w.read().data()));
    const first = await trainer.trainStep();
    const tensorsBeforeSecondStep = tf.memory().numTensors;
    const second = await trainer.trainStep();
    const tensorsAfterSecondStep = tf.memory().numTensors;
    if (tensorsAfterSecondStep !== tensorsBeforeSecondStep) fail(what, `tensor count grew on the second step (${tensorsBeforeSecondStep} → ${tensorsAfterSecondStep})`);
    const logs = [first, second].map((l) => ({ loss: l.loss, supervised: l.supervised, unlabeled: l.unlabeled, iph: l.iph }));
    for (const [i, l] of logs.entries()) {
      for (const [key, v] of Object.entries(l)) if (!Number.isFinite(v)) fail(what, `step ${i + 1}: ${key} = ${v}`);
    }
    const after = await Promise.all(model.trainableWeights.map((w) => w.read().data()));
    if (!after.some((a, i) => a.some((v, j) => v !== before[i][j]))) fail(what, 'no weight changed');
    const metrics = await trainer.evaluate();
    if (!(metrics.ema.accuracy >= 0)) fail(what, `EMA accuracy ${metrics.ema.accuracy}`);
    return { logs, tensorsBeforeSecondStep, tensorsAfterSecondStep };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/**
 * Every RandAugment op at full magnitude (both signs), Cutout (one box clipped at a border), and the
 * composite augmentations (weak, strong, the medical preset's weak and strong) on two random images: the
 * outputs keyed by name, as plain arrays (for comparing backends). Throws when a value is not finite or
 * leaves [0, 1], or when an op leaves tensors behind.
 */
export async function augmentationOps(side = AUGMENT_SIDE): Promise<Record<string, Float32Array>> {
  const x = tf.tidy(() => tf.randomUniform([2, side, side, 3], 0, 1, 'float32', 4)) as tf.Tensor4D;
  const medical = medicalPreset();
  const ops: Array<[string, () => tf.Tensor4D]> = [
    ...RAND_AUGMENT_OPS.map((op): [string, () => tf.Tensor4D] => [op, () => applyRandAugmentOp(op, x, [randAugmentParameter(op, 10, 1, side, side), randAugmentParameter(op, 10, -1, side, side)])]),
    ['Cutout', () => cutout(x, [{ top: 2, left: 3, size: side / 2 }, { top: side - 3, left: -2, size: side / 2 }])],
    ['weakAugment', () => weakAugment()(x, 11)],
    ['strongAugment', () => strongAugment()(x, 12)],
    ['medicalPreset.weak', () => medical.weak(x, 13)],
    ['medicalPreset.strong', () => medical.strong(x, 14)],
  ];
  const out: Record<string, Float32Array> = {};
  try {
    for (const [name, run] of ops) {
      const before = tf.memory().numTensors;
      const y = run();
      const v = (await y.data()) as Float32Array;
      y.dispose();
      if (tf.memory().numTensors !== before) fail(name, `left ${tf.memory().numTensors - before} tensors`);
      const bad = v.findIndex((e) => !(Number.isFinite(e) && e >= 0 && e <= 1));
      if (bad >= 0) fail(name, `value ${v[bad]} at ${bad} is not finite or outside [0, 1]`);
      out[name] = v;
    }
  } finally {
    x.dispose();
  }
  return out;
}
