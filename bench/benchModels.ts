import * as tf from '@tensorflow/tfjs';
import { createSmallCnn } from '../src/models/smallCnn';
import { createWideResNet } from '../src/models/wideResNet';
import { strongAugment } from '../src/augment/randAugment';
import { weakAugment } from '../src/augment/weakAugment';
import { SemiSupervisedTrainer } from '../src/training/trainer';

export type BenchModel = 'small' | 'wrn';

/** Input shape [H,W,C] of each benchmark model: small CNN on 28×28×1, WRN-28-2 on 32×32×3. */
export const INPUT_SHAPES: Record<BenchModel, [number, number, number]> = { small: [28, 28, 1], wrn: [32, 32, 3] };
export const NUM_CLASSES = 10;

/** Factory for the benchmark and its data-parallel workers (same seed → same weights everywhere). */
export function createBenchModel(kind: BenchModel): tf.LayersModel {
  return kind === 'small'
    ? createSmallCnn({ inputShape: INPUT_SHAPES.small, numClasses: NUM_CLASSES, seed: 1 })
    : createWideResNet({ inputShape: INPUT_SHAPES.wrn, numClasses: NUM_CLASSES, seed: 1 });
}

/** Mean softmax cross-entropy of the logits (first output) on inputs.x against one-hot inputs.y. */
export function benchLoss(model: tf.LayersModel, inputs: Record<string, tf.Tensor>): tf.Scalar {
  const [logits] = model.apply(inputs.x, { training: true }) as tf.Tensor[];
  return tf.losses.softmaxCrossEntropy(inputs.y, logits) as tf.Scalar;
}

async function* endless<T>(make: (k: number) => T): AsyncGenerator<T> {
  for (let k = 0; ; k++) yield make(k);
}

/** A SemiSupervisedTrainer for `method` on the small CNN, B labeled + μ·B unlabeled random images. */
export async function benchTrainer(method: 'fixmatch' | 'tear', mu: number, batch = 64): Promise<SemiSupervisedTrainer> {
  const kind: BenchModel = 'small';
  const shape = INPUT_SHAPES[kind];
  const u = mu * batch;
  return SemiSupervisedTrainer.create({
    model: createBenchModel(kind),
    createTeacher: () => createBenchModel(kind),
    labeled: endless((k) => tf.tidy(() => ({
      images: tf.randomNormal([batch, ...shape], 0, 1, 'float32', k) as tf.Tensor4D,
      labels: tf.randomUniform([batch], 0, NUM_CLASSES, 'int32', k + 1) as tf.Tensor1D,
    }))),
    unlabeled: endless((k) => tf.tidy(() => ({
      images: tf.randomNormal([u, ...shape], 0, 1, 'float32', k + 2) as tf.Tensor4D,
      indices: tf.range(k * u, (k + 1) * u, 1, 'int32') as tf.Tensor1D,
    }))),
    weakAugment: (x) => x.clone(),
    strongAugment: (x) => tf.reverse(x, 2),
    config: { method, numClasses: NUM_CLASSES, totalSteps: 1000, reference: 'ema' },
  });
}

/**
 * A trainer for the FixMatch/TEAR comparisons across backends and against PyTorch: the small CNN on
 * 28×28×1 images (Fashion-MNIST's shape) or WRN-28-2 on 32×32×3 (CIFAR's), images uniform in [0, 1], B labeled + μ·B unlabeled per step,
 * EMA reference, default config. Augmentations 'real': the package's weakAugment() and
 * strongAugment() (flip + reflect-pad crop; RandAugment with 2 ops and Cutout), as the CLI uses;
 * 'trivial': clone and a flip (the augmentation-free view of the step).
 */
export async function sslBenchTrainer(method: 'fixmatch' | 'tear', batch: number, mu: number, augment: 'real' | 'trivial' = 'real',
  kind: BenchModel = 'small'): Promise<SemiSupervisedTrainer> {
  const shape = INPUT_SHAPES[kind];
  const u = mu * batch;
  return SemiSupervisedTrainer.create({
    model: createBenchModel(kind),
    createTeacher: () => createBenchModel(kind),
    labeled: endless((k) => tf.tidy(() => ({
      images: tf.randomUniform([batch, ...shape], 0, 1, 'float32', k) as tf.Tensor4D,
      labels: tf.randomUniform([batch], 0, NUM_CLASSES, 'int32', k + 1) as tf.Tensor1D,
    }))),
    unlabeled: endless((k) => tf.tidy(() => ({
      images: tf.randomUniform([u, ...shape], 0, 1, 'float32', k + 2) as tf.Tensor4D,
      indices: tf.range(k * u, (k + 1) * u, 1, 'int32') as tf.Tensor1D,
    }))),
    weakAugment: augment === 'real' ? weakAugment() : (x) => x.clone(),
    strongAugment: augment === 'real' ? strongAugment() : (x) => tf.reverse(x, 2),
    config: { method, numClasses: NUM_CLASSES, totalSteps: 1000, reference: 'ema' },
  });
}

/**
 * Floating-point operations of one training step of `model` on `batch` images: the forward's
 * multiply-adds (2 per MAC) of its Conv2D and Dense layers, F; the weight gradients, F again; the input
 * gradients, F less the first layer's (tfjs skips the input images' gradient). So 3F − F₁ per step;
 * batch-norm, activations and the update are left out (a few percent).
 */
export function trainingFlops(model: tf.LayersModel, batch: number): number {
  let forward = 0;
  let first: number | undefined;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind !== 'Conv2D' && kind !== 'Dense') continue;
    const kernel = (layer as unknown as { kernel: { shape: number[] } }).kernel.shape;
    const out = layer.outputShape as number[];
    const positions = kind === 'Conv2D' ? out[1] * out[2] : 1;
    const flops = 2 * positions * kernel.reduce((a, d) => a * d, 1);
    first ??= flops;
    forward += flops;
  }
  return batch * (3 * forward - (first ?? 0));
}
