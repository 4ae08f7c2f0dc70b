import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endSegment, recordPath, recordSettings, resolveRecordedSettings, scrubPaths, startSegment, withSegment, type RunSegment } from '../../src/cli/provenance';

describe('run provenance', () => {
  it('records paths relative to the run folder, keeps system install paths, and resolves them back', () => {
    expect(recordPath('/x/study/cells/a', '/x/study/cells/a')).toBe('.');
    expect(recordPath('/x/study/cells/a/checkpoints/step-00000010.ckpt', '/x/study/cells/a')).toBe('checkpoints/step-00000010.ckpt');
    expect(recordPath('/x/data/fm', '/x/study/cells/a')).toBe('../../../data/fm');
    expect(recordPath('/usr/share/datasets/fashion-mnist', '/x/run')).toBe('/usr/share/datasets/fashion-mnist');
    expect(recordPath('runs/a', '/x/run')).toBe('runs/a');
    const settings = { out: '/x/run', resume: '/x/run', data: '/x/data', steps: 5 };
    const recorded = recordSettings(settings, '/x/run');
    expect(recorded).toEqual({ out: '.', resume: '.', data: '../data', steps: 5 });
    expect(resolveRecordedSettings(recorded, '/x/run')).toEqual(settings);
    // values relative to the working directory are rebased onto the run folder, and resolve back to the same files
    const cwdRelative = recordSettings({ out: 'runs/a', data: 'data/fm' }, resolve('runs/a'));
    expect(cwdRelative).toEqual({ out: '.', data: '../../data/fm' });
    expect(resolveRecordedSettings(cwdRelative, resolve('runs/a'))).toEqual({ out: resolve('runs/a'), data: resolve('data/fm') });
  });

  it("drops Node's 'imported from <absolute file>' from a backend reason", () => {
    const reason = "tensorflow (@tensorflow/tfjs-node; CPU); not used: @tensorflow/tfjs-node-gpu: Cannot find package '@tensorflow/tfjs-node-gpu' imported from /home/me/tear-ssl/src/backends/selectBackend.ts";
    expect(scrubPaths(reason)).toBe("tensorflow (@tensorflow/tfjs-node; CPU); not used: @tensorflow/tfjs-node-gpu: Cannot find package '@tensorflow/tfjs-node-gpu'");
    expect(scrubPaths(`${reason}; wasm (x).`)).not.toContain('/home/');
  });

  it('a segment records code, versions, machine and load at its start, and its end, wall and CPU time', () => {
    const open = startSegment(3, 'cpu (asked for)');
    expect(open.segment).toMatchObject({ startStep: 3, backend: 'cpu (asked for)', versions: { node: process.version } });
    expect(open.segment.host?.cores).toBeGreaterThan(0);
    expect(open.segment.load?.start).toHaveLength(3);
    const ended = endSegment(open, 7);
    expect(ended).toMatchObject({ startStep: 3, endStep: 7 });
    expect(ended.load?.end).toHaveLength(3);
    expect(ended.wallSeconds).toBeGreaterThanOrEqual(0);
    expect(ended.cpuSeconds).toBeGreaterThanOrEqual(0);
  });

  it('a new segment replaces those that started at or after its start step (their steps are trained again)', () => {
    const s = (startStep: number): RunSegment => ({ startStep, started: `t${startStep}` });
    expect(withSegment([s(0), s(200)], s(400)).map((x) => x.startStep)).toEqual([0, 200, 400]);
    expect(withSegment([s(0), s(200), s(400)], s(200)).map((x) => x.startStep)).toEqual([0, 200]);
    expect(withSegment(undefined, s(0))).toHaveLength(1);
  });
});
