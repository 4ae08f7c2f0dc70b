import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { uninstallWasmTrainingKernels } from '../../src/backends/wasm/install';
import { useWasmBackend } from '../../src/backends/wasm/useWasmBackend';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { trainerOptions } from './fixtures';

/** Losses of `steps` TEAR steps (EMA reference, AdaPL + IPH) on the synthetic data, on the active backend. */
async function tearLosses(steps: number): Promise<{ losses: number[]; tensorsBefore: number; tensorsAfter: number }> {
  const options = trainerOptions({ config: { method: 'tear', threshold: 0 } });
  const trainer = await SemiSupervisedTrainer.create(options);
  const losses = [(await trainer.trainStep()).loss];
  const tensorsBefore = tf.memory().numTensors;
  for (let k = 1; k < steps; k++) losses.push((await trainer.trainStep()).loss);
  const tensorsAfter = tf.memory().numTensors;
  trainer.dispose();
  (options.model as tf.LayersModel).dispose();
  return { losses, tensorsBefore, tensorsAfter };
}

describe('SemiSupervisedTrainer on the wasm backend with tear-ssl training kernels', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
    uninstallWasmTrainingKernels();
  });

  it('runs full TEAR steps (k-means, IPH, AdaPL, EMA) with the cpu backend\'s losses and no tensor growth', async () => {
    await tf.setBackend('cpu');
    const cpu = await tearLosses(4);
    await useWasmBackend();
    expect(tf.getBackend()).toBe('wasm');
    const wasm = await tearLosses(4);
    expect(wasm.losses.every(Number.isFinite)).toBe(true);
    wasm.losses.forEach((l, k) => expect(Math.abs(l - cpu.losses[k]), `step ${k}: wasm ${l} vs cpu ${cpu.losses[k]}`).toBeLessThan(1e-3 * Math.max(1, cpu.losses[k])));
    expect(wasm.tensorsAfter).toBe(wasm.tensorsBefore);
  });
});
