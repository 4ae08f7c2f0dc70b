import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../src/backends/wasm/useWasmBackend';
import { testBackend } from '../helpers/testBackend';
import { compareOutputs, runBackendChecks, VALUE_TOLERANCE } from './checks';

/**
 * The backend checks' own tests (Node): the comparison fails on a wrong number, and the whole harness
 * passes on wasm against cpu. test/browser/webgpu.browser.ts runs the same checks on WebGPU.
 */
const f32 = (values: number[]) => ({ dtype: 'float32', shape: [values.length], values });

describe('compareOutputs', () => {
  it('passes within the float32 tolerance and fails just outside it', () => {
    const ok = compareOutputs({ x: f32([1 + 0.9e-4, 0]) }, { x: f32([1, 0]) }, VALUE_TOLERANCE);
    expect(ok.ok).toBe(true);
    const bad = compareOutputs({ x: f32([1 + 1.2e-4, 0]) }, { x: f32([1, 0]) }, VALUE_TOLERANCE);
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/^x\[0\] = 1\.00012/);
    expect(compareOutputs({ x: f32([0, 2e-5]) }, { x: f32([0, 0]) }, VALUE_TOLERANCE).ok).toBe(false);
  });

  it('fails on a silent zero, a NaN, a changed label, a changed shape or a missing output', () => {
    expect(compareOutputs({ x: f32([0, 0]) }, { x: f32([0.47, 0.53]) }, VALUE_TOLERANCE).ok).toBe(false);
    expect(compareOutputs({ x: f32([NaN]) }, { x: f32([1]) }, VALUE_TOLERANCE).ok).toBe(false);
    const labels = (v: number[]) => ({ dtype: 'int32', shape: [v.length], values: v });
    expect(compareOutputs({ l: labels([0, 2]) }, { l: labels([0, 1]) }, VALUE_TOLERANCE).message).toMatch(/expected exactly 1/);
    expect(compareOutputs({ pairs: [[0, 1], [1, 0]] }, { pairs: [[0, 0], [1, 1]] }, VALUE_TOLERANCE, ['pairs']).ok).toBe(false);
    expect(compareOutputs({ x: f32([1, 2, 3]) }, { x: f32([1, 2]) }, VALUE_TOLERANCE).ok).toBe(false);
    expect(compareOutputs({}, { x: f32([1]) }, VALUE_TOLERANCE).message).toBe('x: missing');
  });
});

describe.runIf(testBackend() === 'cpu')('runBackendChecks on wasm against cpu', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('every value, augmentation and training check passes and no tensor is left', async () => {
    await useWasmBackend();
    const report = await runBackendChecks({ backend: 'wasm', methods: ['fixmatch', 'tear'] });
    const failed = report.results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.message}`);
    expect(failed).toEqual([]);
    expect(report.results.filter((r) => r.kind === 'value').length).toBeGreaterThan(25);
    expect(report.results.filter((r) => r.kind === 'augmentation').length).toBe(20);
    expect(report.results.filter((r) => r.kind === 'training').map((r) => r.name))
      .toEqual(['two steps of fixmatch', 'two steps of tear', 'two steps of tear with the medical preset']);
    expect(report.numTensorsEnd).toBe(report.numTensorsStart);
  }, 120_000);
});
