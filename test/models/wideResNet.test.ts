import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createWideResNet } from '../../src/models/wideResNet';
import { TearArgumentError } from '../../src/util/checks';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';
import { expectedLogits, nonTrainableCount, trainableCount, trainableGradNorms } from './modelHelpers';

/** Trainable parameters of a WRN (no conv biases, BN γ/β), written independently of the implementation. */
function wrnTrainable(depth: number, k: number, inChannels: number, classes: number): number {
  const n = (depth - 4) / 6;
  let p = 9 * inChannels * 16;
  let cin = 16;
  for (const f of [16 * k, 32 * k, 64 * k]) {
    for (let b = 0; b < n; b++) {
      p += 2 * cin + 9 * cin * f + 2 * f + 9 * f * f + (cin !== f ? cin * f : 0);
      cin = f;
    }
  }
  return p + 2 * cin + cin * classes + classes;
}

describe('createWideResNet', () => {
  it('WRN-28-2 has the known 1,467,610 trainable parameters (FixMatch, 10 classes)', async () => {
    await expectNoLeak(() => {
      const model = createWideResNet({ numClasses: 10 });
      expect(wrnTrainable(28, 2, 3, 10)).toBe(1467610);
      expect(trainableCount(model)).toBe(1467610);
      expect(model.outputs.map((o) => o.shape)).toEqual([[null, 10], [null, 128]]);
      const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
      expect(bns).toHaveLength(25);
      expect(bns[0].getConfig().momentum).toBeCloseTo(0.999, 12);
      expect(nonTrainableCount(model)).toBe(3616);
      expect(model.weights.filter((w) => w.name.includes('moving_mean'))).toHaveLength(25);
      expect(model.layers.filter((l) => l.getClassName() === 'Conv2D').every((l) => l.getConfig().useBias === false)).toBe(true);
      // three 1×1 shortcut convs (16→32, 32→64, 64→128)
      expect(model.layers.filter((l) => l.getClassName() === 'Conv2D' && (l.getConfig().kernelSize as number[])[0] === 1)).toHaveLength(3);
      // shortcut of group 1 takes the activated input; groups 2 and 3 take the raw block input (FixMatch)
      const shortcutSources = model.layers
        .filter((l) => l.getClassName() === 'Conv2D' && (l.getConfig().kernelSize as number[])[0] === 1)
        .map((l) => l.inboundNodes[0].inboundLayers[0].getClassName());
      expect(shortcutSources).toEqual(['LeakyReLU', 'Add', 'Add']);
      model.dispose();
    });
  });

  it('downsamples 32 → 32 → 16 → 8 through the groups', async () => {
    await expectNoLeak(() => {
      const model = createWideResNet({ numClasses: 10, depth: 10, widen: 1 });
      const adds = model.layers.filter((l) => l.getClassName() === 'Add').map((l) => l.output as tf.SymbolicTensor);
      expect(adds.map((s) => s.shape)).toEqual([[null, 32, 32, 16], [null, 16, 16, 32], [null, 8, 8, 64]]);
      expect(trainableCount(model)).toBe(wrnTrainable(10, 1, 3, 10));
      model.dispose();
    });
  });

  it('a tiny WRN-10-1 runs, logits = dense(features), and every variable gets a gradient', async () => {
    await expectNoLeak(() => {
      const model = createWideResNet({ inputShape: [8, 8, 3], numClasses: 4, depth: 10, widen: 1, dropout: 0.3, seed: 2 });
      const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 4);
      const [logits, features] = model.predict(x) as tf.Tensor[];
      expect(logits.shape).toEqual([2, 4]);
      expect(features.shape).toEqual([2, 64]);
      const [kernel, bias] = model.layers[model.layers.length - 1].getWeights();
      expectClose(values(logits), expectedLogits(values(features), 2, 64, values(kernel), values(bias), false), 1e-4, 1e-4);
      const norms = trainableGradNorms(model, x);
      expect(norms.size).toBe(model.trainableWeights.length);
      for (const [name, n] of norms) expect(n, name).toBeGreaterThan(0);
      tf.dispose([x, logits, features]);
      model.dispose();
    });
  });

  it('rejects depths that are not 6n + 4', () => {
    expect(() => createWideResNet({ numClasses: 10, depth: 27 })).toThrow(TearArgumentError);
    expect(() => createWideResNet({ numClasses: 10, depth: 27 })).toThrow(/createWideResNet.*depth/);
  });
});
