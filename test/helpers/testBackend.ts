import * as tf from '@tensorflow/tfjs';
import { polyfillNodeUtil } from '../../src/backends/selectBackend';
import { installTensorflowTraining } from '../../src/backends/tensorflow/installTensorflowTraining';
import { installPrunableConv2DTraining } from '../../src/backends/prunableConv2D';
import { installWasmTrainingKernels } from '../../src/backends/wasm/install';

/** Backends the suite can run on, chosen with the environment variable `TEAR_TEST_BACKEND`. */
export const TEST_BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

/** The backend this test run uses: `TEAR_TEST_BACKEND` (cpu, wasm or tensorflow), default cpu. */
export function testBackend(): TestBackend {
  const name = process.env.TEAR_TEST_BACKEND ?? 'cpu';
  if (!(TEST_BACKENDS as readonly string[]).includes(name)) {
    throw new Error(`TEAR_TEST_BACKEND=${name}: expected one of ${TEST_BACKENDS.join(', ')}`);
  }
  return name as TestBackend;
}

/**
 * Loads and activates {@link testBackend}. A missing backend package fails loudly rather than
 * falling back to cpu: a suite that claims to test tfjs-node must really run on it.
 */
export async function activateTestBackend(): Promise<TestBackend> {
  const name = testBackend();
  if (name === 'tensorflow') {
    await polyfillNodeUtil();
    try {
      const tfjsNode = '@tensorflow/tfjs-node'; // a variable: the type-check must not need tfjs-node installed
      await import(tfjsNode);
    } catch (e) {
      throw new Error(`TEAR_TEST_BACKEND=tensorflow but @tensorflow/tfjs-node does not load (run \`npm run setup:tfjs-node\`): ${(e as Error).message.split('\n')[0]}`);
    }
    // As selectBackend does: the suite tests the kernels and gradients users train with.
    installTensorflowTraining();
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    installWasmTrainingKernels();
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  installPrunableConv2DTraining();
  return name;
}
