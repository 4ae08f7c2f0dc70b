import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  applyRandAugmentOp, randAugment, randAugmentParameter, RAND_AUGMENT_OPS, strongAugment,
} from '../../src/augment/randAugment';
import { TearArgumentError } from '../../src/util/checks';
import { expectNoLeak, values } from '../helpers/tensors';
import { nested, rampImages } from './augmentHelpers';

/** n copies of one 8×8×3 ramp image on the 8-bit grid (k/255), so 8-bit Posterize is exact. */
const batch = (n: number) =>
  tf.tidy(() => tf.div(tf.round(tf.mul(tf.tile(rampImages(1, 8, 8, 3), [n, 1, 1, 1]), 255)), 255)) as tf.Tensor4D;

describe('randAugment', () => {
  it('keeps the shape and the [0, 1] range, for every op alone at magnitudes 0, 5 and 10', async () => {
    await expectNoLeak(() => {
      const x = batch(3);
      for (const op of RAND_AUGMENT_OPS) {
        for (const magnitude of [0, 5, 10]) {
          const out = randAugment({ ops: [op], magnitude, numOps: 1, cutout: 0 })(x, 4);
          expect(out.shape).toEqual([3, 8, 8, 3]);
          const v = values(out);
          expect(Math.min(...v), `${op}@${magnitude}`).toBeGreaterThanOrEqual(0);
          expect(Math.max(...v), `${op}@${magnitude}`).toBeLessThanOrEqual(1);
          out.dispose();
        }
      }
      x.dispose();
    });
  });

  it('magnitude 0 leaves the image unchanged for every op except AutoContrast and Equalize', async () => {
    await expectNoLeak(() => {
      const x = batch(2);
      for (const op of RAND_AUGMENT_OPS.filter((o) => o !== 'AutoContrast' && o !== 'Equalize')) {
        const out = randAugment({ ops: [op], magnitude: 0, numOps: 2, cutout: 0 })(x, 9);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(out, x))).dataSync()[0]);
        expect(diff, op).toBeLessThan(1e-6);
        out.dispose();
      }
      x.dispose();
    });
  });

  it('is deterministic for a seed, differs across seeds and between identical images of one batch', async () => {
    await expectNoLeak(() => {
      const x = batch(6);
      const aug = randAugment();
      const a = aug(x, 123);
      const b = aug(x, 123);
      const c = aug(x, 124);
      expect(values(a)).toEqual(values(b));
      expect(values(a)).not.toEqual(values(c));
      expect(new Set(nested(a).map((im) => JSON.stringify(im))).size).toBeGreaterThan(1);
      tf.dispose([x, a, b, c]);
    });
  });

  it('applies Cutout of side round(0.5·8) = 4: at most 16 grey pixels per channel and some grey pixels', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([4, 8, 8, 1]) as tf.Tensor4D;
      const out = randAugment({ ops: ['Identity'], cutout: 0.5 })(x, 5);
      const o = nested(out);
      for (const img of o) {
        const grey = img.flat(2).filter((v) => v === 0.5).length;
        expect(grey).toBeGreaterThan(0);
        expect(grey).toBeLessThanOrEqual(16);
      }
      tf.dispose([x, out]);
    });
  });

  it('maps magnitudes to documented parameters', () => {
    expect(randAugmentParameter('Brightness', 10, 1, 32, 32)).toBeCloseTo(1.9, 12);
    expect(randAugmentParameter('Contrast', 5, -1, 32, 32)).toBeCloseTo(0.55, 12);
    expect(randAugmentParameter('Posterize', 10, 1, 32, 32)).toBe(4);
    expect(randAugmentParameter('Solarize', 0, 1, 32, 32)).toBeGreaterThan(1);
    expect(randAugmentParameter('Solarize', 10, 1, 32, 32)).toBe(0);
    expect(randAugmentParameter('Rotate', 10, -1, 32, 32)).toBe(-30);
    expect(randAugmentParameter('TranslateX', 10, 1, 32, 40)).toBe(12);
    expect(randAugmentParameter('TranslateY', 10, -1, 32, 40)).toBe(-10);
  });

  it('dispatches each op (Identity copies, Solarize at threshold 0 inverts)', async () => {
    await expectNoLeak(() => {
      const x = rampImages(2, 2, 2, 1);
      const id = applyRandAugmentOp('Identity', x, [0, 0]);
      expect(values(id)).toEqual(values(x));
      const inv = applyRandAugmentOp('Solarize', x, [0, 0]);
      values(inv).forEach((v, i) => expect(v).toBeCloseTo(1 - values(x)[i], 6));
      tf.dispose([x, id, inv]);
    });
  });

  it('rejects unknown ops and out-of-range magnitudes', () => {
    expect(() => randAugment({ ops: ['Invert' as never] })).toThrow(/randAugment.*ops/);
    expect(() => randAugment({ magnitude: 11 })).toThrow(TearArgumentError);
  });
});

describe('strongAugment', () => {
  it('keeps shape and range and is deterministic for a seed', async () => {
    await expectNoLeak(() => {
      const x = batch(4);
      const aug = strongAugment();
      const a = aug(x, 3);
      const b = aug(x, 3);
      expect(a.shape).toEqual(x.shape);
      expect(values(a)).toEqual(values(b));
      const v = values(a);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThanOrEqual(1);
      tf.dispose([x, a, b]);
    });
  });
});
