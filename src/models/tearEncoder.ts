import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../util/checks';
import { checkInputShape } from './checkInputShape';
import { seededDropout } from './seededDropout';
import { SeededInitializers } from './seededInitializers';

/** Options of createTearEncoder, the release's ISIC backbone (docs/models.md). */
export interface TearEncoderOptions {
  /** [height, width, channels] (default [128, 128, 3]); sides must be multiples of 32. */
  inputShape?: [number, number, number];
  numClasses: number;
  /** Dropout rate of the two neck dropouts (default 0.5). */
  dropout?: number;
  /** Batch-norm momentum in PyTorch's convention; tfjs gets 1 − this (default 0.1). */
  bnMomentum?: number;
  /** Batch-norm epsilon (default 1e-5, PyTorch's). */
  bnEpsilon?: number;
  /** Seed for the weight initializers (random when omitted). Dropout masks come from the trainer's per-step seed (SeededDropout, withDropoutSeed). */
  seed?: number;
}

/** Channels of the five conv blocks (spec §8). */
const BLOCK_CHANNELS = [32, 32, 64, 64, 128] as const;

/**
 * TEAR release's ISIC backbone (spec §8), returning `[logits [N,C], features f [N,256]]`.
 * Five blocks zeroPad(1) → conv4×4 stride 2 'valid' (with bias) → ReLU → BN: 128→64→32→16→8→4;
 * channels 32, 32, 64, 64, 128; flatten (H·W·C order, 2048 for 128×128) → dropout → dense 4096 → ReLU →
 * dropout → dense 256 = f (no activation); logits = dense C (ReLU(f)).
 */
export function createTearEncoder(options: TearEncoderOptions): tf.LayersModel {
  const fn = 'createTearEncoder';
  const { inputShape = [128, 128, 3], numClasses, dropout = 0.5, bnMomentum = 0.1, bnEpsilon = 1e-5, seed } = options;
  checkInputShape(inputShape, fn, 32);
  checkNumber(inputShape[0] / 32, 'inputShape[0] / 32', fn, { integer: true });
  checkNumber(inputShape[1] / 32, 'inputShape[1] / 32', fn, { integer: true });
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
  checkNumber(dropout, 'dropout', fn, { min: 0, max: 1, maxOpen: true });
  checkNumber(bnMomentum, 'bnMomentum', fn, { min: 0, max: 1 });
  checkNumber(bnEpsilon, 'bnEpsilon', fn, { min: 0, minOpen: true });
  const init = new SeededInitializers(seed);

  const input = tf.input({ shape: inputShape });
  let x: tf.SymbolicTensor = input;
  for (const filters of BLOCK_CHANNELS) {
    x = tf.layers.zeroPadding2d({ padding: 1 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters, kernelSize: 4, strides: 2, padding: 'valid', useBias: true, kernelInitializer: init.glorotUniform() })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ axis: -1, momentum: 1 - bnMomentum, epsilon: bnEpsilon }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = seededDropout({ rate: dropout, salt: 1 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 4096, kernelInitializer: init.glorotUniform() }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = seededDropout({ rate: dropout, salt: 2 }).apply(x) as tf.SymbolicTensor;
  const features = tf.layers.dense({ units: 256, kernelInitializer: init.glorotUniform() }).apply(x) as tf.SymbolicTensor;
  const activated = tf.layers.reLU().apply(features) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, kernelInitializer: init.glorotUniform() }).apply(activated) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features], name: 'tear_encoder' });
}
