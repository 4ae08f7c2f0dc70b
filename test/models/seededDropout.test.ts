import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { SeededDropout, withDropoutSeed } from '../../src/models/seededDropout';
import { createTearEncoder } from '../../src/models/tearEncoder';
import { createWideResNet } from '../../src/models/wideResNet';
import { expectNoLeak } from '../helpers/tensors';

/** Training-mode logits of `model` on `x` inside withDropoutSeed(seed) (or outside any when seed is undefined). */
function trainingLogits(model: tf.LayersModel, x: tf.Tensor, seed: number | undefined): number[] {
  const run = () => tf.tidy(() => Array.from(((model.apply(x, { training: true }) as tf.Tensor[])[0]).dataSync()));
  return seed === undefined ? run() : withDropoutSeed(seed, run);
}

describe('SeededDropout (dropout masks as a function of the run seed and step)', () => {
  it('the TEAR encoder and WRN give the same training-mode output for the same seed, another for another seed', async () => {
    await expectNoLeak(() => {
      const models = [
        createTearEncoder({ inputShape: [32, 32, 3], numClasses: 3, dropout: 0.5, seed: 1 }),
        createWideResNet({ inputShape: [8, 8, 3], numClasses: 4, depth: 10, widen: 1, dropout: 0.3, seed: 2 }),
      ];
      for (const model of models) {
        const side = model.inputs[0].shape[1] as number;
        const x = tf.randomUniform([2, side, side, 3], 0, 1, 'float32', 5);
        const a = trainingLogits(model, x, 11);
        // other calls in between (another step's forward) do not change what seed 11 draws
        trainingLogits(model, x, 12);
        trainingLogits(model, x, undefined);
        expect(trainingLogits(model, x, 11)).toEqual(a);
        expect(trainingLogits(model, x, 12)).not.toEqual(a);
        // inference: no dropout at all
        const inference = tf.tidy(() => Array.from(((model.predict(x) as tf.Tensor[])[0]).dataSync()));
        expect(inference).not.toEqual(a);
        x.dispose();
        model.dispose();
      }
    });
  });

  it('drops about `rate` of the values and scales the kept ones by 1/(1 − rate)', async () => {
    await expectNoLeak(() => {
      const layer = new SeededDropout({ rate: 0.25, salt: 3 });
      const x = tf.ones([4000]);
      const y = withDropoutSeed(7, () => layer.apply(x, { training: true }) as tf.Tensor);
      const v = Array.from(y.dataSync());
      const kept = v.filter((e) => e !== 0);
      expect(kept.every((e) => Math.abs(e - 1 / 0.75) < 1e-6)).toBe(true);
      expect(Math.abs(kept.length / v.length - 0.75)).toBeLessThan(0.03);
      tf.dispose([x, y]);
    });
  });
});
