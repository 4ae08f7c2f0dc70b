import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { describeTensorflowBackend, polyfillNodeUtil, selectBackend } from '../../src/backends/selectBackend';
import { testBackend } from '../helpers/testBackend';
import { TearArgumentError } from '../../src/util/checks';

afterAll(async () => {
  await tf.setBackend(testBackend());
});

/** Importer that fails for the named packages and imports the rest for real. */
const failing = (...missing: string[]) => {
  const seen: string[] = [];
  const importer = async (specifier: string) => {
    seen.push(specifier);
    if (missing.includes(specifier)) throw new Error(`Cannot find package '${specifier}'\n  at somewhere`);
    return import(specifier);
  };
  return { importer, seen };
};

describe('selectBackend', () => {
  it("'auto' falls through tfjs-node-gpu and tfjs-node to wasm with the training kernels", async () => {
    const { importer, seen } = failing('@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node');
    const result = await selectBackend({ backend: 'auto', importer });
    expect(result.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(seen.slice(0, 3)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']);
    expect(result.attempts.map((a) => [a.candidate, a.ok])).toEqual([
      ['@tensorflow/tfjs-node-gpu', false], ['@tensorflow/tfjs-node', false], ['@tensorflow/tfjs-backend-wasm', true],
    ]);
    expect(result.attempts[0].reason).toBe("Cannot find package '@tensorflow/tfjs-node-gpu'");
    expect(result.reason).toMatch(/^wasm .*training kernels installed.*not used: @tensorflow\/tfjs-node-gpu/);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it("'auto' ends on cpu when wasm cannot be loaded either", async () => {
    const { importer } = failing('@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm');
    const result = await selectBackend({ importer });
    expect(result.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(result.attempts.filter((a) => !a.ok)).toHaveLength(3);
  });

  it("a named backend tries only its own candidates and throws with every reason when they fail", async () => {
    const { importer } = failing('@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node');
    await expect(selectBackend({ backend: 'tensorflow', importer })).rejects.toThrow(/tfjs-node-gpu: Cannot find.*tfjs-node: Cannot find/);
    const cpu = await selectBackend({ backend: 'cpu', importer });
    expect(cpu.attempts).toHaveLength(1);
    expect(cpu.backend).toBe('cpu');
  });

  it('rejects unknown choices', async () => {
    await expect(selectBackend({ backend: 'gpu' as never })).rejects.toThrow(TearArgumentError);
  });

  it('polyfills util.isNullOrUndefined for tfjs-node 4.22 on Node ≥ 23 without replacing an existing one', async () => {
    await polyfillNodeUtil();
    const util = (await import('node:util')) as unknown as { isNullOrUndefined: (v: unknown) => boolean };
    expect(util.isNullOrUndefined(null)).toBe(true);
    expect(util.isNullOrUndefined(undefined)).toBe(true);
    expect(util.isNullOrUndefined(0)).toBe(false);
  });

  it('reads the libtensorflow version and the device from the tensorflow backend, and warns when tfjs-node-gpu runs on the CPU', () => {
    const cpuBuild = { isUsingGpuDevice: false, binding: { TF_Version: '2.21.0' } };
    expect(describeTensorflowBackend(cpuBuild, false)).toEqual({ note: 'libtensorflow 2.21.0, CPU', device: 'cpu', libtensorflow: '2.21.0', warnings: [] });
    const fellBack = describeTensorflowBackend(cpuBuild, true);
    expect(fellBack.device).toBe('cpu');
    expect(fellBack.warnings).toHaveLength(1);
    expect(fellBack.warnings[0]).toMatch(/tfjs-node-gpu loaded, but TensorFlow uses no GPU device/);
    const gpu = describeTensorflowBackend({ isUsingGpuDevice: true, binding: { TF_Version: '2.9.1' } }, true);
    expect(gpu).toMatchObject({ device: 'gpu', libtensorflow: '2.9.1', warnings: [] });
    expect(gpu.note).toBe('libtensorflow 2.9.1, GPU');
    expect(describeTensorflowBackend(undefined, false).note).toBe('libtensorflow version unknown, CPU');
  });
});

/** True when @tensorflow/tfjs-node loads here (after `npm run setup:tfjs-node`). */
async function tfjsNodeLoads(): Promise<boolean> {
  try {
    await polyfillNodeUtil();
    const specifier = '@tensorflow/tfjs-node';
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(testBackend() === 'tensorflow' || (await tfjsNodeLoads()))('selectBackend with tfjs-node installed', () => {
  it("'auto' prefers tensorflow over wasm and reports the libtensorflow the binding loaded", async () => {
    const { importer, seen } = failing('@tensorflow/tfjs-node-gpu');
    const result = await selectBackend({ importer });
    expect(result.backend).toBe('tensorflow');
    expect(seen).not.toContain('@tensorflow/tfjs-backend-wasm');
    const binding = (tf.backend() as unknown as { binding: { TF_Version: string } }).binding;
    expect(result.libtensorflow).toBe(binding.TF_Version);
    expect(result.libtensorflow).toMatch(/^2\.\d+\.\d+/);
    expect(result.device).toBe('cpu');
    expect(result.warnings).toEqual([]);
    expect(result.reason).toContain(`libtensorflow ${binding.TF_Version}, CPU`);
  });
});
