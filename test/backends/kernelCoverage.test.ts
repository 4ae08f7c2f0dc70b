import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { medicalPreset } from '../../src/augment/medicalPreset';
import { applyRandAugmentOp, RAND_AUGMENT_OPS, randAugmentParameter, strongAugment } from '../../src/augment/randAugment';
import { weakAugment } from '../../src/augment/weakAugment';
import { useWasmBackend } from '../../src/backends/wasm/useWasmBackend';
import { evaluationBatches, labeledBatches, unlabeledBatches } from '../../src/data/batchSource';
import type { ImageDataset } from '../../src/data/types';
import { createSmallCnn } from '../../src/models/smallCnn';
import { createTearEncoder } from '../../src/models/tearEncoder';
import { createWideResNet } from '../../src/models/wideResNet';
import { Random } from '../../src/state/random';
import { TRAINING_METHODS } from '../../src/training/config';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { testBackend } from '../helpers/testBackend';

/**
 * Kernel coverage: one full training step of every method with the package's own augmentations and every
 * shipped backbone (at small size), on the backend under test — and on wasm with tear-ssl's kernels in the
 * default (cpu) pass. A kernel or gradient missing on a backend fails here, not in a user's run.
 */
const CLASSES = 3;

function rgbDataset(n: number, SIDE: number): ImageDataset {
  const rng = new Random(5);
  const images = new Float32Array(n * SIDE * SIDE * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % CLASSES;
    for (let p = 0; p < SIDE * SIDE * 3; p++) images[i * SIDE * SIDE * 3 + p] = Math.min(1, 0.6 * rng.next() + (p % 3 === labels[i] ? 0.4 : 0));
  }
  return { images, labels, shape: [SIDE, SIDE, 3], numClasses: CLASSES, classNames: ['r', 'g', 'b'] };
}

/** Each backbone at a small size, with the smallest input it accepts (the TEAR encoder needs 32×32). */
const BACKBONES: Record<string, { side: number; build: (side: number) => tf.LayersModel }> = {
  'small CNN': { side: 16, build: (s) => createSmallCnn({ inputShape: [s, s, 3], numClasses: CLASSES, width: 1, seed: 1 }) },
  'WRN (depth 10, widen 1)': { side: 16, build: (s) => createWideResNet({ inputShape: [s, s, 3], numClasses: CLASSES, depth: 10, widen: 1, dropout: 0.1, seed: 1 }) },
  'TEAR encoder': { side: 32, build: (s) => createTearEncoder({ inputShape: [s, s, 3], numClasses: CLASSES, dropout: 0.1, seed: 1 }) },
};
/**
 * The pure-JS cpu backend is for small unit tests, not training: a small-CNN FixMatch step takes minutes on
 * it (about 400× slower than wasm with tear-ssl's kernels). On cpu the methods and augmentations run on
 * this tiny conv net instead; the shipped backbones run on wasm and tensorflow.
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
const TINY: Record<string, { side: number; build: (side: number) => tf.LayersModel }> = { 'tiny test CNN': { side: 16, build: tinyCnn } };
const DATA = { 16: rgbDataset(24, 16), 32: rgbDataset(24, 32) } as Record<number, ImageDataset>;
const SIDE = 16;
const AUGMENTATIONS = {
  natural: () => ({ weak: weakAugment(), strong: strongAugment() }),
  medical: () => medicalPreset(),
};

/** Two steps: finite logs, weights that moved, and no tensor growth on the second step. */
async function twoSteps(method: string, backbone: string, augmentation: keyof typeof AUGMENTATIONS): Promise<void> {
  const { side, build } = ({ ...BACKBONES, ...TINY } as typeof BACKBONES)[backbone];
  const model = build(side);
  const data = DATA[side];
  const { weak, strong } = AUGMENTATIONS[augmentation]();
  const trainer = await SemiSupervisedTrainer.create({
    model,
    labeled: (s) => labeledBatches(data, [0, 1, 2, 3, 4, 5], 3, { seed: 1, startStep: s, prefetch: 0 }),
    unlabeled: (s) => unlabeledBatches(data, Array.from({ length: 18 }, (_, i) => 6 + i), 6, { seed: 2, startStep: s, prefetch: 0, withHiddenLabels: true }),
    validation: () => evaluationBatches(data, [0, 1, 2], 3),
    weakAugment: weak,
    strongAugment: strong,
    config: { method, numClasses: CLASSES, totalSteps: 10, seed: 3, threshold: 0.3, iph: { numClusters: CLASSES }, memory: { numSamples: data.labels.length } },
  });
  try {
    const before = await Promise.all(model.trainableWeights.map((w) => w.read().data()));
    const first = await trainer.trainStep();
    const tensors = tf.memory().numTensors;
    const second = await trainer.trainStep();
    expect(tf.memory().numTensors, 'tensor count grew on the second step').toBe(tensors);
    for (const logs of [first, second]) {
      for (const key of ['loss', 'supervised', 'unlabeled', 'iph'] as const) expect(Number.isFinite(logs[key]), `${key} = ${logs[key]}`).toBe(true);
    }
    const after = await Promise.all(model.trainableWeights.map((w) => w.read().data()));
    expect(after.some((a, i) => a.some((v, j) => v !== before[i][j])), 'no weight changed').toBe(true);
    const metrics = await trainer.evaluate();
    expect(metrics.ema.accuracy).toBeGreaterThanOrEqual(0);
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

function coverage(backend: string): void {
  describe(`kernel coverage on ${backend}`, { timeout: 240_000 }, () => {
    it('every RandAugment op and Cutout at full magnitude', async () => {
      const x = tf.tidy(() => tf.randomUniform([2, SIDE, SIDE, 3], 0, 1, 'float32', 4)) as tf.Tensor4D;
      for (const op of RAND_AUGMENT_OPS) {
        const y = applyRandAugmentOp(op, x, [randAugmentParameter(op, 10, 1, SIDE, SIDE), randAugmentParameter(op, 10, -1, SIDE, SIDE)]);
        const v = await y.data();
        expect(v.every((e) => Number.isFinite(e) && e >= 0 && e <= 1), op).toBe(true);
        y.dispose();
      }
      x.dispose();
    });
    // Every registered method on the small CNN; every backbone with TEAR (it runs every component); the
    // medical preset once (its ops, not the backbone, are what it adds).
    const first = backend === 'cpu' ? 'tiny test CNN' : 'small CNN';
    for (const method of TRAINING_METHODS) {
      it(`${method} trains with the ${first} and the natural-image augmentations`, async () => twoSteps(method, first, 'natural'));
    }
    for (const backbone of backend === 'cpu' ? [] : Object.keys(BACKBONES).filter((b) => b !== 'small CNN')) {
      it(`tear trains with ${backbone} and the natural-image augmentations`, async () => twoSteps('tear', backbone, 'natural'));
    }
    it(`tear trains with the ${first} and the medical preset`, async () => twoSteps('tear', first, 'medical'));
  });
}

coverage(testBackend());
if (testBackend() === 'cpu') {
  describe('on wasm with tear-ssl training kernels', () => {
    it('activates', async () => {
      await useWasmBackend();
      expect(tf.getBackend()).toBe('wasm');
    });
  });
  coverage('wasm');
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
}
