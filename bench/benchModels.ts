import * as tf from '@tensorflow/tfjs';
import { createSmallCnn } from '../src/models/smallCnn';
import { createWideResNet } from '../src/models/wideResNet';

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
