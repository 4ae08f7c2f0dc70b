import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../util/checks';
import { checkInputShape } from './checkInputShape';
import { seededDropout } from './seededDropout';
import { SeededInitializers } from './seededInitializers';

/** Options of createWideResNet (docs/models.md). */
export interface WideResNetOptions {
  /** [height, width, channels] (default [32, 32, 3]). */
  inputShape?: [number, number, number];
  numClasses: number;
  /** 6n + 4 (default 28: n = 4 blocks per group). */
  depth?: number;
  /** Width factor k: the groups have 16k, 32k, 64k channels (default 2). */
  widen?: number;
  /** Dropout rate between the two convs of each block (default 0). */
  dropout?: number;
  /** Batch-norm momentum in PyTorch's convention; tfjs's momentum is 1 − this (default 0.001 → 0.999). */
  bnMomentum?: number;
  /** Batch-norm epsilon (default 1e-5, PyTorch's). */
  bnEpsilon?: number;
  /** Negative slope of the leaky ReLUs (default 0.1). */
  leakySlope?: number;
  /** Seed for the weight initializers (fresh random weights when omitted). */
  seed?: number;
}

/**
 * FixMatch's wide ResNet (WRN-depth-widen, pre-activation), returning `[logits [N,C], features [N,64k]]`.
 * Stem conv3×3(16); 3 groups of n = (depth−4)/6 blocks with 16k, 32k, 64k channels and strides 1, 2, 2;
 * block: a = LReLU(BN(x)); y = conv3×3(LReLU(BN(conv3×3_s(a)))) (dropout before the second conv);
 * out = y + shortcut, shortcut = x when shapes match, else conv1×1_s(a) in the first group
 * (activate before residual) and conv1×1_s(x) in the others. Head: LReLU(BN(·)) → GAP = features → dense(C).
 * All convs have no bias.
 */
export function createWideResNet(options: WideResNetOptions): tf.LayersModel {
  const fn = 'createWideResNet';
  const {
    inputShape = [32, 32, 3], numClasses, depth = 28, widen = 2, dropout = 0,
    bnMomentum = 0.001, bnEpsilon = 1e-5, leakySlope = 0.1, seed,
  } = options;
  checkInputShape(inputShape, fn, 4);
  checkNumber(numClasses, 'numClasses', fn, { min: 1, integer: true });
  checkNumber(depth, 'depth', fn, { min: 10, integer: true });
  checkNumber((depth - 4) / 6, 'depth (must be 6n + 4)', fn, { integer: true });
  checkNumber(widen, 'widen', fn, { min: 1, integer: true });
  checkNumber(dropout, 'dropout', fn, { min: 0, max: 1, maxOpen: true });
  checkNumber(bnMomentum, 'bnMomentum', fn, { min: 0, max: 1 });
  checkNumber(bnEpsilon, 'bnEpsilon', fn, { min: 0, minOpen: true });
  checkNumber(leakySlope, 'leakySlope', fn, { min: 0 });

  const init = new SeededInitializers(seed);
  const blocksPerGroup = (depth - 4) / 6;
  let dropoutLayers = 0;
  const conv = (x: tf.SymbolicTensor, filters: number, kernelSize: number, strides: number) =>
    tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init.kaimingNormalFanOut() })
      .apply(x) as tf.SymbolicTensor;
  const bnAct = (x: tf.SymbolicTensor) => {
    const y = tf.layers.batchNormalization({ axis: -1, momentum: 1 - bnMomentum, epsilon: bnEpsilon }).apply(x) as tf.SymbolicTensor;
    return tf.layers.leakyReLU({ alpha: leakySlope }).apply(y) as tf.SymbolicTensor;
  };
  const block = (x: tf.SymbolicTensor, filters: number, strides: number, activateBeforeResidual: boolean) => {
    const activated = bnAct(x);
    let y = conv(activated, filters, 3, strides);
    y = bnAct(y);
    if (dropout > 0) y = seededDropout({ rate: dropout, salt: ++dropoutLayers }).apply(y) as tf.SymbolicTensor;
    y = conv(y, filters, 3, 1);
    const inChannels = x.shape[3] as number;
    const shortcut = inChannels === filters && strides === 1
      ? x
      : conv(activateBeforeResidual ? activated : x, filters, 1, strides);
    return tf.layers.add().apply([shortcut, y]) as tf.SymbolicTensor;
  };

  const input = tf.input({ shape: inputShape });
  let x = conv(input, 16, 3, 1);
  const groups: Array<[number, number]> = [[16 * widen, 1], [32 * widen, 2], [64 * widen, 2]];
  groups.forEach(([filters, strides], g) => {
    for (let b = 0; b < blocksPerGroup; b++) x = block(x, filters, b === 0 ? strides : 1, g === 0);
  });
  x = bnAct(x);
  const features = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, kernelInitializer: init.glorotNormal() }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features], name: `wide_resnet_${depth}_${widen}` });
}
