import * as tf from '@tensorflow/tfjs';
import { labeledBatches, unlabeledBatches, evaluationBatches } from '../../src/data/batchSource';
import type { ImageDataset, LabeledBatch, UnlabeledBatch } from '../../src/data/types';
import { Random } from '../../src/state/random';
import type { TrainerConfigInput } from '../../src/training/config';
import type { TrainerOptions } from '../../src/training/trainer';
import type { FunctionModel } from '../../src/training/trainableModel';

export const NUM_CLASSES = 3;
export const SIDE = 8;

/** 8×8×1 images: class c lights up a horizontal band (rows 2c..2c+2) plus uniform noise. */
export function syntheticDataset(n: number, seed: number): ImageDataset {
  const rng = new Random(seed);
  const images = new Float32Array(n * SIDE * SIDE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % NUM_CLASSES;
    labels[i] = c;
    for (let r = 0; r < SIDE; r++) {
      for (let col = 0; col < SIDE; col++) {
        const band = r >= 2 * c + 1 && r < 2 * c + 3 ? 0.8 : 0;
        images[i * SIDE * SIDE + r * SIDE + col] = band + 0.2 * rng.next();
      }
    }
  }
  return { images, labels, shape: [SIDE, SIDE, 1], numClasses: NUM_CLASSES, classNames: ['a', 'b', 'c'] };
}

/** conv3×3(4, no bias: BN cancels it) → BN → ReLU → global average pool = features [N,4] → dense(3) = logits; seeded weights. */
export function tinyModel(seed = 1): tf.LayersModel {
  const input = tf.input({ shape: [SIDE, SIDE, 1] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  const features = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: NUM_CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) })
    .apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features] });
}

/** The linear function model over given variables: logits = flatten(x)·w, features = flatten(x)·v (v not trained). */
function linearOver(w: tf.Variable, v: tf.Variable): FunctionModel {
  const d = SIDE * SIDE;
  return {
    apply: (x) => tf.tidy(() => {
      const flat = tf.reshape(x, [x.shape[0], d]) as tf.Tensor2D;
      return { logits: tf.matMul(flat, w), features: tf.matMul(flat, v) };
    }),
    trainableVariables: [w],
    nonTrainableVariables: [v],
  };
}

/** Linear function model: logits = flatten(x)·W, features = flatten(x)·V (V fixed, not trainable). */
export function linearFunctionModel(seed = 3): FunctionModel {
  const d = SIDE * SIDE;
  const w = tf.tidy(() => tf.variable(tf.randomNormal([d, NUM_CLASSES], 0, 0.3, 'float32', seed), true, `lin${seed}_${Math.random()}/kernel`));
  const v = tf.tidy(() => tf.variable(tf.randomNormal([d, 4], 0, 0.3, 'float32', seed + 1), false, `lin${seed}_${Math.random()}/projection`));
  return linearOver(w, v);
}

/**
 * Linear function model with the given weights: logits = flatten(x)·W (W trainable, [SIDE², C]),
 * features = flatten(x)·V (V fixed, not trainable). Variables are named `${prefix}_<random tag>/kernel`
 * and `${prefix}_<random tag>/projection`, so several copies can live side by side.
 */
export function fixedLinearModel(w: number[][], v: number[][], prefix: string): FunctionModel {
  const tag = Math.random().toString(36).slice(2);
  return linearOver(
    tf.tidy(() => tf.variable(tf.tensor2d(w), true, `${prefix}_${tag}/kernel`)),
    tf.tidy(() => tf.variable(tf.tensor2d(v), false, `${prefix}_${tag}/projection`)),
  );
}

/** Disposes every variable of a function model (trainable and fixed). */
export const disposeFunctionModel = (m: FunctionModel): void =>
  [...m.trainableVariables, ...(m.nonTrainableVariables ?? [])].forEach((v) => v.dispose());

/** Rows of SIDE² pixels as a [rows, SIDE, SIDE, 1] image batch. */
export const imageBatch = (rows: number[][]): tf.Tensor4D => tf.tensor4d(rows.flat(), [rows.length, SIDE, SIDE, 1]);

/** Endless unlabeled source yielding the same batch `xu` every step (fresh tensors: the trainer disposes them). */
export async function* constantUnlabeled(xu: number[][]): AsyncGenerator<UnlabeledBatch> {
  for (;;) yield { images: imageBatch(xu), indices: tf.tensor1d(xu.map((_, i) => i), 'int32') };
}

/** Endless labeled and unlabeled sources yielding the same batches every step (fresh tensors: the trainer disposes them). */
export function constantBatchSources(xl: number[][], yl: number[], xu: number[][]) {
  return {
    labeled: async function* (): AsyncGenerator<LabeledBatch> { for (;;) yield { images: imageBatch(xl), labels: tf.tensor1d(yl, 'int32') }; },
    unlabeled: (): AsyncGenerator<UnlabeledBatch> => constantUnlabeled(xu),
  };
}

/** Additive seeded noise (weak) and noise + vertical flip (strong): deterministic for a seed. */
export const weakNoise = (x: tf.Tensor4D, seed: number): tf.Tensor4D =>
  tf.tidy(() => tf.add(x, tf.randomUniform(x.shape, -0.05, 0.05, 'float32', seed)) as tf.Tensor4D);
export const strongNoise = (x: tf.Tensor4D, seed: number): tf.Tensor4D =>
  tf.tidy(() => tf.reverse(tf.add(x, tf.randomUniform(x.shape, -0.3, 0.3, 'float32', seed)), 1) as tf.Tensor4D);

export const DATA = syntheticDataset(60, 11);
export const LABELED = Array.from({ length: 12 }, (_, i) => i);
export const UNLABELED = Array.from({ length: 48 }, (_, i) => 12 + i);

/** Options for a trainer on the synthetic data (B = 4, U = 8), with data factories so it can resume. */
export function trainerOptions(
  overrides: Omit<Partial<TrainerOptions>, 'config'> & { config?: Partial<TrainerConfigInput> } = {}, hidden = false,
): TrainerOptions {
  const { config, ...rest } = overrides;
  return {
    model: rest.model ?? tinyModel(),
    labeled: (startStep) => labeledBatches(DATA, LABELED, 4, { seed: 5, startStep, prefetch: 0 }),
    unlabeled: (startStep) => unlabeledBatches(DATA, UNLABELED, 8, { seed: 6, startStep, prefetch: 0, withHiddenLabels: hidden }),
    validation: () => evaluationBatches(DATA, LABELED, 6),
    weakAugment: weakNoise,
    strongAugment: strongNoise,
    ...rest,
    config: {
      numClasses: NUM_CLASSES, totalSteps: 50, seed: 7, learningRate: 0.05, threshold: 0.5,
      ema: { momentum: 0.9 }, ...config,
    },
  };
}

export async function variableValues(vars: readonly tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => ((await v.data()) as Float32Array).slice()));
}
