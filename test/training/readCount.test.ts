import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeMethod, methodNames } from '../../src/training/algorithms/registry';
import { DivergenceError } from '../../src/training/divergence';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { TearArgumentError } from '../../src/util/checks';
import { deferValueChecks, valueChecksDeferred } from '../../src/util/valueChecks';
import { checkValuesInRange } from '../../src/util/checks';
import { trainerOptions } from './fixtures';
import { testBackend } from '../helpers/testBackend';
import { strongAugment } from '../../src/augment/randAugment';
import { weakAugment } from '../../src/augment/weakAugment';
import { installGatherWithoutRead, uninstallGatherWithoutRead } from '../../src/backends/tensorflow/gatherWithoutRead';

/**
 * Device reads (Tensor.data / dataSync, i.e. tf.engine().read / readSync) of one training step without
 * hidden labels: each is a pipeline stall on a GPU backend. Every method needs two: the step logs (one
 * packed read of the losses, terms and mask) and the divergence check. IPH needs three more: the features
 * for host k-means, the reference's predicted classes (its groups), and the prototype similarities for the
 * Hungarian matching; the group matrices and sizes are built on the host from those. A new read makes this fail.
 */
const READS_PER_STEP = 2;
const IPH_READS = 3;

function countReads(): { reads: () => number; reset: () => void; restore: () => void } {
  const engine = tf.engine() as unknown as { read: (...a: unknown[]) => unknown; readSync: (...a: unknown[]) => unknown };
  const read = engine.read;
  const readSync = engine.readSync;
  let n = 0;
  engine.read = function (this: unknown, ...a: unknown[]) { n++; return read.apply(this, a); };
  engine.readSync = function (this: unknown, ...a: unknown[]) { n++; return readSync.apply(this, a); };
  return { reads: () => n, reset: () => { n = 0; }, restore: () => { engine.read = read; engine.readSync = readSync; } };
}

describe('device reads per training step', () => {
  it(`every registered method reads ${READS_PER_STEP} times per step, IPH ${IPH_READS} more`, async () => {
    const counter = countReads();
    const found: Record<string, number> = {};
    const expected: Record<string, number> = {};
    try {
      for (const method of methodNames()) {
        const trainer = await SemiSupervisedTrainer.create(trainerOptions({ config: { method, memory: { numSamples: 60 }, totalSteps: 5 } }));
        try {
          await trainer.trainStep(); // the first step also checks the unlabeled ids once
          counter.reset();
          await trainer.trainStep();
          found[method] = counter.reads();
        } finally {
          trainer.dispose();
        }
        expected[method] = READS_PER_STEP + (describeMethod(method).terms.includes('iph') ? IPH_READS : 0);
      }
    } finally {
      counter.restore();
    }
    expect(found).toEqual(expected);
  }, 300_000);

  it('the count can fail: a value-reading check inside the step is one more read', async () => {
    const counter = countReads();
    try {
      const x = tf.tensor1d([0, 1, 2], 'int32');
      counter.reset();
      checkValuesInRange(x, 'x', 'test', { min: 0, max: 3, maxOpen: true });
      expect(counter.reads()).toBe(1);
      counter.reset();
      deferValueChecks(() => checkValuesInRange(x, 'x', 'test', { min: 0, max: 1 }));
      expect(counter.reads()).toBe(0);
      expect(() => checkValuesInRange(x, 'x', 'test', { min: 0, max: 1 })).toThrow(TearArgumentError);
      x.dispose();
    } finally {
      counter.restore();
    }
    expect(valueChecksDeferred()).toBe(false);
  });
});

/**
 * Reads at tfjs-node's backend (readSync; its async read goes through it): those of the engine, and those
 * kernels make themselves. (On cpu and wasm a kernel's read is a look at host memory, not a stall.)
 */
function countBackendReads(): { reads: () => number; reset: () => void; restore: () => void } {
  const backend = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
  const readSync = backend.readSync;
  let n = 0;
  backend.readSync = function (this: unknown, ...a: unknown[]) { n++; return readSync.apply(this, a); };
  return { reads: () => n, reset: () => { n = 0; }, restore: () => { backend.readSync = readSync; } };
}

describe('device reads per training step on tfjs-node, with the package\'s augmentations, counted at the backend', () => {
  // A kernel that reads its inputs back to the host (tfjs-node's stock GatherV2 read every index of the
  // augmentations' pixel gathers) is a stall the engine-level count above cannot see.
  it.runIf(testBackend() === 'tensorflow')(`FixMatch reads ${READS_PER_STEP} times per step, augmentation kernels included`, async () => {
    const counter = countBackendReads();
    try {
      const trainer = await SemiSupervisedTrainer.create({
        ...trainerOptions({ config: { method: 'fixmatch', totalSteps: 5 } }), weakAugment: weakAugment({ pad: 1 }), strongAugment: strongAugment(),
      });
      try {
        await trainer.trainStep();
        counter.reset();
        await trainer.trainStep();
        expect(counter.reads()).toBe(READS_PER_STEP);
        // the count can fail: tfjs-node's own GatherV2 reads its indices back
        uninstallGatherWithoutRead();
        counter.reset();
        await trainer.trainStep();
        expect(counter.reads()).toBeGreaterThan(READS_PER_STEP);
      } finally {
        installGatherWithoutRead();
        trainer.dispose();
      }
    } finally {
      counter.restore();
    }
  }, 120_000);
});

describe('divergence is reported the same way by every method', () => {
  it('lr 1e30: every registered method stops with a DivergenceError naming the step, never an argument error from inside a component', async () => {
    const outcomes: Record<string, string> = {};
    for (const method of methodNames()) {
      const before = tf.memory().numTensors;
      const options = trainerOptions({
        config: { method, memory: { numSamples: 60 }, totalSteps: 20, learningRate: 1e30, clipGradients: null },
      });
      const trainer = await SemiSupervisedTrainer.create(options);
      try {
        await trainer.run(20);
        outcomes[method] = 'did not diverge';
      } catch (e) {
        outcomes[method] = e instanceof DivergenceError ? `DivergenceError at step ${e.step}` : `${(e as Error).name}: ${(e as Error).message}`;
      } finally {
        trainer.dispose();
        (options.model as tf.LayersModel).dispose();
      }
      expect(tf.memory().numTensors, method).toBe(before);
    }
    for (const [method, outcome] of Object.entries(outcomes)) expect(outcome, method).toMatch(/^DivergenceError at step \d+$/);
  }, 300_000);
});
