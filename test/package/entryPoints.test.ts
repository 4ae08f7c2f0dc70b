import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as core from '../../src/core';
import * as root from '../../src/index';

/** Bundles an entry for the browser; Node built-ins anywhere in its import graph make esbuild fail. */
async function bundleForBrowser(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent',
    external: ['@tensorflow/*'],
  }).catch((e: { errors?: { text: string }[] }) => ({ errors: e.errors ?? [{ text: String(e) }] }));
  return result.errors.map((e) => e.text);
}

describe('package entry points', () => {
  it('tear-ssl/core and tear-ssl/wasm bundle for the browser (no Node built-ins)', async () => {
    expect(await bundleForBrowser('src/core.ts')).toEqual([]);
    expect(await bundleForBrowser('src/wasm.ts')).toEqual([]);
  });

  it('the browser check can fail: the Node root entry does not bundle for the browser', async () => {
    const errors = await bundleForBrowser('src/index.ts');
    expect(errors.some((e) => /node:/.test(e))).toBe(true);
  });

  it('the root re-exports every core symbol plus the Node-only pieces', () => {
    for (const name of Object.keys(core)) expect(root, name).toHaveProperty(name);
    for (const name of ['adaplLoss', 'estimateUnlabeledLoss', 'iphLoss', 'iphLossReleaseExact', 'kmeans',
      'emaUpdate', 'alignDistribution', 'temporalMemoryUpdate', 'createWideResNet', 'classificationReport',
      // the trainer with in-memory checkpoints is browser-safe (issue 18, point 3)
      'SemiSupervisedTrainer', 'readCheckpointPayload', 'buildCheckpointPayload', 'CheckpointError', 'setCheckpointStorage']) {
      expect(core, name).toHaveProperty(name);
    }
    for (const name of ['loadDigits', 'writeCheckpoint', 'selectBackend', 'DataParallelGradients']) {
      expect(root, name).toHaveProperty(name);
      expect(core, name).not.toHaveProperty(name);
    }
  });
});
