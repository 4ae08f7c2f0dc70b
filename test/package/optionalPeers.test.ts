import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

/**
 * sharp, vega and vega-lite are optional peers, absent from a default install: the feature that needs
 * one must say which package to install. Simulated here by making their import fail.
 */
const root = mkdtempSync(join(tmpdir(), 'tear-optional-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.doUnmock('sharp');
  vi.doUnmock('vega');
  vi.doUnmock('vega-lite');
  vi.resetModules();
});

describe('optional peer dependencies', () => {
  it('decoding a JPEG without sharp names the package to install', async () => {
    vi.doMock('sharp', () => { throw new Error("Cannot find package 'sharp'"); });
    const { decodeResizedRgb } = await import('../../src/data/decodeImage');
    await expect(decodeResizedRgb(join(root, 'x.jpg'), 4)).rejects.toThrow(/decoding JPEG images needs the optional peer dependency 'sharp' \(npm install sharp\)/);
  });

  it('the run report without vega/vega-lite says the plots were skipped and how to get them', async () => {
    vi.doMock('vega', () => { throw new Error("Cannot find package 'vega'"); });
    const { writeRunReport } = await import('../../src/cli/writeRunReport');
    writeFileSync(join(root, 'metrics.jsonl'), `${JSON.stringify({ type: 'step', step: 1, time: 't', loss: 1 })}\n`);
    const { note, file } = await writeRunReport(root, {
      title: 't', settings: {}, backend: { name: 'cpu', reason: 'cpu' }, dataSummary: 'd', finalStep: 1,
      run: { startStep: 0, endStep: 1, seconds: 1, imagesPerSecond: 1, date: 'now' },
    });
    expect(note).toMatch(/Plots skipped: vega and vega-lite are optional peer dependencies .*npm install vega vega-lite/);
    expect(readFileSync(file, 'utf8')).toContain('npm install vega vega-lite');
  });
});
