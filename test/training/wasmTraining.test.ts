import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { uninstallWasmTrainingKernels } from '../../src/backends/wasm/install';
import { useWasmBackend } from '../../src/backends/wasm/useWasmBackend';
import { explainWasmAbort } from '../../src/backends/wasm/wasmAbort';
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

describe('a step that aborts the wasm backend (its heap exhausted)', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
    uninstallWasmTrainingKernels();
  });

  // WebAssembly.RuntimeError, the class of Emscripten's abort (the type-check's lib has no WebAssembly namespace)
  const RuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }).WebAssembly.RuntimeError;
  const abort = () => new RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');

  it('is explained: what ran, the 4 GiB heap, what to do; the abort is the cause; the step\'s tensors are freed', async () => {
    await useWasmBackend();
    const options = trainerOptions({ config: { method: 'fixmatch' } });
    let calls = 0;
    const trainer = await SemiSupervisedTrainer.create({
      ...options,
      strongAugment: (x: tf.Tensor4D) => {
        if (++calls === 2) throw abort();
        return x.clone();
      },
    });
    await trainer.trainStep();
    const before = tf.memory().numTensors;
    const error = await trainer.trainStep().then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/^tear-ssl\.SemiSupervisedTrainer: step 1 \(\d+ images of \d+×\d+×\d+\) aborted in the wasm backend \(RuntimeError "Aborted\(\)"\): .*at most 4 GiB\. Use a smaller batch size or μ/);
    expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(RuntimeError);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  });

  it('is passed on unchanged on other backends, and other errors on wasm are too', async () => {
    await tf.setBackend('cpu');
    const e = abort();
    expect(explainWasmAbort(e, 'x')).toBeUndefined();
    await useWasmBackend();
    expect(explainWasmAbort(new Error('Aborted()'), 'x')).toBeUndefined(); // not a RuntimeError
    expect(explainWasmAbort(new RuntimeError('unreachable'), 'x')).toBeUndefined();
    expect(explainWasmAbort(e, 'x')?.message).toMatch(/^x aborted in the wasm backend/);
  });
});
