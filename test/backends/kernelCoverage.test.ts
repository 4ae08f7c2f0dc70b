import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../src/backends/wasm/useWasmBackend';
import { TRAINING_METHODS } from '../../src/training/config';
import { testBackend } from '../helpers/testBackend';
import { augmentationOps, BACKBONES, TINY_CNN, twoSteps } from './kernelCoverageCases';

/**
 * Kernel coverage: two full training steps of every method with the package's own augmentations and every
 * shipped backbone (at small size), on the backend under test — and on wasm with tear-ssl's kernels in the
 * default (cpu) pass. A kernel or gradient missing on a backend fails here, not in a user's run. The cases
 * live in kernelCoverageCases.ts; test/browser/webgpu.browser.ts runs the same ones on WebGPU.
 */
function coverage(backend: string): void {
  describe(`kernel coverage on ${backend}`, { timeout: 240_000 }, () => {
    it('every RandAugment op and Cutout at full magnitude, and the weak, strong and medical augmentations', async () => {
      const out = await augmentationOps();
      expect(Object.keys(out)).toHaveLength(14 + 5);
    });
    // Every registered method on the small CNN; every backbone with TEAR (it runs every component); the
    // medical preset once (its ops, not the backbone, are what it adds).
    const first = backend === 'cpu' ? TINY_CNN : 'small CNN';
    for (const method of TRAINING_METHODS) {
      it(`${method} trains with the ${first} and the natural-image augmentations`, async () => { await twoSteps(method, first, 'natural'); });
    }
    for (const backbone of backend === 'cpu' ? [] : Object.keys(BACKBONES).filter((b) => b !== 'small CNN')) {
      it(`tear trains with ${backbone} and the natural-image augmentations`, async () => { await twoSteps('tear', backbone, 'natural'); });
    }
    it(`tear trains with the ${first} and the medical preset`, async () => { await twoSteps('tear', first, 'medical'); });
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
