import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorBoardCallbacks, tensorBoardWriter, type ScalarWriter } from '../../src/backends/tensorBoard';
import { memoryIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/runCli';
import { classificationReport } from '../../src/metrics/classificationReport';
import type { StepLogs } from '../../src/training/callbacks';

const root = mkdtempSync(join(tmpdir(), 'tear-tensorboard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** tfjs-node is an optional peer: present only where `npm run setup:tfjs-node` built it. */
function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}
const hasTfjsNode = tfjsNodeInstalled();
const SKIP_REASON = hasTfjsNode ? '' : ' [skipped: @tensorflow/tfjs-node is not installed here; `npm run setup:tfjs-node` builds it]';

function fakeWriter(): ScalarWriter & { written: string[]; flushes: number } {
  const w = { written: [] as string[], flushes: 0, scalar: (name: string, value: number, step: number) => void w.written.push(`${name}@${step}=${value}`), flush: () => void w.flushes++ };
  return w;
}

describe('TensorBoard callbacks', () => {
  it('write each finite step log as train/<key> at steps done, each evaluation as validation/<model>/<metric>, and flush', async () => {
    const writer = fakeWriter();
    const cb = tensorBoardCallbacks(writer);
    const logs = { loss: 1.5, supervised: 1, unlabeled: 0.5, iph: Number.NaN, maskRate: 0.25, lr: 0.03, emaMomentum: 0.9 } as StepLogs;
    await cb.onStepEnd?.(4, logs);
    expect(writer.written).toEqual(['train/loss@5=1.5', 'train/supervised@5=1', 'train/unlabeled@5=0.5', 'train/maskRate@5=0.25', 'train/lr@5=0.03', 'train/emaMomentum@5=0.9']);
    writer.written.length = 0;
    // labels [0, 1], argmax predictions [0, 0]: top-1 1/2, balanced (1 + 0)/2, AUC 1 (scores separate the classes)
    const report = classificationReport([0, 1], [[0.9, 0.1], [0.6, 0.4]], 2);
    await cb.onEvalEnd?.(9, { student: report, ema: report });
    expect(writer.written).toContain('validation/ema/top1@10=0.5');
    expect(writer.written).toContain('validation/student/balancedAccuracy@10=0.5');
    expect(writer.written).toContain('validation/ema/macroAuc@10=1');
    expect(writer.flushes).toBe(1);
    await cb.onTrainEnd?.(10);
    expect(writer.flushes).toBe(2);
  });

  it('without tfjs-node the writer fails at once, naming the package to install', async () => {
    const missing = () => Promise.reject(new Error("Cannot find package '@tensorflow/tfjs-node'"));
    await expect(tensorBoardWriter(join(root, 'never'), missing)).rejects.toThrow(
      /TensorBoard logging needs the optional peer dependency @tensorflow\/tfjs-node \(npm install @tensorflow\/tfjs-node@~4\.22\.0; in a clone: npm run setup:tfjs-node\): Cannot find package/);
  });

  it(`tear-ssl train --tensorboard DIR ${hasTfjsNode ? 'writes an events file' : 'fails at once, naming tfjs-node (not installed here)'}`, async () => {
    const dir = join(root, 'tb');
    const io = memoryIo();
    const code = await runCli(['train', '--dataset', 'digits', '--method', 'fixmatch', '--labels', '20', '--validation', '20', '--steps', '2',
      '--batch-size', '4', '--mu', '1', '--eval-every', '1', '--backend', hasTfjsNode ? 'tensorflow' : 'cpu', '--no-progress', '--out', join(root, 'run'), '--tensorboard', dir], io);
    if (!hasTfjsNode) {
      expect(code).toBe(1);
      expect(io.stderr.join('\n')).toMatch(/TensorBoard logging needs the optional peer dependency @tensorflow\/tfjs-node/);
      return;
    }
    expect(code).toBe(0);
    const events = readdirSync(dir, { recursive: true }).map(String).filter((f) => /events\.out\.tfevents/.test(f));
    expect(events.length).toBeGreaterThan(0);
    expect(statSync(join(dir, events[0])).size).toBeGreaterThan(0);
  });

  it.skipIf(!hasTfjsNode)(`tf.node.summaryFileWriter writes scalars to an events file${SKIP_REASON}`, async () => {
    const dir = join(root, 'direct');
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    await expect(tensorBoardWriter(join(root, 'wrong-backend'))).rejects.toThrow(/the active backend is 'cpu': train with --backend tensorflow/);
    await tf.setBackend('tensorflow');
    const writer = await tensorBoardWriter(dir);
    writer.scalar('train/loss', 1.25, 1);
    writer.flush();
    const events = readdirSync(dir).filter((f) => /events\.out\.tfevents/.test(f));
    expect(events.length).toBe(1);
    expect(statSync(join(dir, events[0])).size).toBeGreaterThan(0);
    await tf.setBackend(previous);
  });
});
