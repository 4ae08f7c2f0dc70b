import * as tf from '@tensorflow/tfjs';
import { medicalPreset } from '../augment/medicalPreset';
import { strongAugment } from '../augment/randAugment';
import type { Augment } from '../augment/types';
import { weakAugment } from '../augment/weakAugment';
import { createSmallCnn } from '../models/smallCnn';
import { createTearEncoder } from '../models/tearEncoder';
import { createWideResNet } from '../models/wideResNet';
import { DATASET_PROFILES } from './datasetProfiles';
import type { PreparedData } from './prepareData';
import type { DatasetName } from './trainOptions';

/**
 * The model of a data set (its profile's backbone) with weights seeded by `seed`:
 * small CNN (digits, MNIST, Fashion-MNIST), WRN-28-2 (CIFAR-10), TEAR's 5-conv encoder (ISIC 2018).
 */
export function buildModel(dataset: DatasetName, data: Pick<PreparedData, 'shape' | 'numClasses'>, seed: number): tf.LayersModel {
  const options = { inputShape: data.shape, numClasses: data.numClasses, seed };
  switch (DATASET_PROFILES[dataset].model) {
    case 'small-cnn': return createSmallCnn(options);
    case 'wide-resnet-28-2': return createWideResNet(options);
    case 'tear-encoder': return createTearEncoder(options);
  }
}

/**
 * Weak and strong augmentations per data set. Digits and MNIST are not flipped (a mirrored 2 is no 2)
 * and shift by 1 and 2 pixels; Fashion-MNIST flips and shifts by 2; CIFAR-10 uses FixMatch's
 * flip + 4-pixel crop; ISIC 2018 uses the medical preset (flips, 90° turns, no Solarize).
 */
export function augmentations(dataset: DatasetName): { weak: Augment; strong: Augment } {
  const fixmatchStyle = (weak: { flip: boolean; pad: number }, cutout?: number) => ({
    weak: weakAugment(weak),
    strong: strongAugment({ weak, ...(cutout === undefined ? {} : { cutout }) }),
  });
  switch (dataset) {
    case 'digits': return fixmatchStyle({ flip: false, pad: 1 }, 0.375);
    case 'mnist': return fixmatchStyle({ flip: false, pad: 2 });
    case 'fashion-mnist': return fixmatchStyle({ flip: true, pad: 2 });
    case 'cifar10': return fixmatchStyle({ flip: true, pad: 4 });
    case 'isic2018': return medicalPreset();
  }
}

/** (x − mean)/std per channel, or undefined when the data set is used in [0, 1] as is. */
export function normalizer(normalization: PreparedData['normalization']): ((x: tf.Tensor4D) => tf.Tensor4D) | undefined {
  if (normalization === undefined) return undefined;
  const { mean, std } = normalization;
  return (x) => tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d([...mean])), tf.tensor1d([...std])) as tf.Tensor4D);
}
