import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../util/checks';
import { checkInputShape } from './checkInputShape';
import { SeededInitializers } from './seededInitializers';

/** Options of createSmallCnn (docs/models.md). */
export interface SmallCnnOptions {
  /** [height, width, channels]; both spatial sides ≥ 4 (two 2×2 max-pools). */
  inputShape: [number, number, number];
  numClasses: number;
  /** Channel multiplier: convs get 32·width, 64·width, 128·width filters (default 1). */
  width?: number;
  /** Batch-norm momentum in PyTorch's convention (running = (1−m)·running + m·batch); tfjs gets 1 − m. Default 0.1. */
  bnMomentum?: number;
  /** Batch-norm epsilon (default 1e-5, PyTorch's). */
  bnEpsilon?: number;
  /** Seed for the weight initializers (fresh random weights when omitted). */
  seed?: number;
}

/**
 * Small CNN returning `[logits [N,C], features [N,128·width]]`:
 * conv3×3(32, same, no bias) → BN → ReLU → maxPool2 → conv3×3(64, same, no bias) → BN → ReLU →
 * maxPool2 → conv3×3(128, same, bias) → ReLU → global average pool = features → dense(C) = logits.
 */
export function createSmallCnn(options: SmallCnnOptions): tf.LayersModel {
  const fn = 'createSmallCnn';
  const { inputShape, numClasses, width = 1, bnMomentum = 0.1, bnEpsilon = 1e-5, seed } = options;
  checkInputShape(inputShape, fn, 4);
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
  checkNumber(width, 'width', fn, { min: 1, integer: true });
  checkNumber(bnMomentum, 'bnMomentum', fn, { min: 0, max: 1 });
  checkNumber(bnEpsilon, 'bnEpsilon', fn, { min: 0, minOpen: true });
  const init = new SeededInitializers(seed);
  const bn = () => tf.layers.batchNormalization({ axis: -1, momentum: 1 - bnMomentum, epsilon: bnEpsilon });

  const input = tf.input({ shape: inputShape });
  let x = tf.layers.conv2d({ filters: 32 * width, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init.glorotUniform() })
    .apply(input) as tf.SymbolicTensor;
  x = bn().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 64 * width, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init.glorotUniform() })
    .apply(x) as tf.SymbolicTensor;
  x = bn().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 128 * width, kernelSize: 3, padding: 'same', useBias: true, kernelInitializer: init.glorotUniform() })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  const features = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, kernelInitializer: init.glorotUniform() }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features], name: 'small_cnn' });
}
