import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { weakAugment } from '../../src/augment/weakAugment';
import { TearArgumentError } from '../../src/util/checks';
import { expectNoLeak, values } from '../helpers/tensors';
import { nested, rampImages, reflectIndex } from './augmentHelpers';

/** Every (flip, offset) the weak augmentation may produce, computed independently in JS. */
function candidates(img: number[][][], pad: number): number[][][][] {
  const h = img.length;
  const w = img[0].length;
  const out: number[][][][] = [];
  for (const flip of [false, true]) {
    for (let oy = 0; oy <= 2 * pad; oy++) {
      for (let ox = 0; ox <= 2 * pad; ox++) {
        out.push(Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => {
          const xs = flip ? w - 1 - x : x;
          return img[reflectIndex(y + oy - pad, h)][reflectIndex(xs + ox - pad, w)];
        })));
      }
    }
  }
  return out;
}

describe('weakAugment', () => {
  it('each output image is a horizontal flip and reflect-pad crop of its input', async () => {
    await expectNoLeak(() => {
      const x = rampImages(6, 5, 6, 2);
      const out = weakAugment({ pad: 2 })(x, 7);
      expect(out.shape).toEqual([6, 5, 6, 2]);
      const a = nested(x);
      const o = nested(out);
      for (let n = 0; n < 6; n++) {
        const match = candidates(a[n], 2).some((cand) => JSON.stringify(cand) === JSON.stringify(o[n]));
        expect(match, `image ${n}`).toBe(true);
      }
      tf.dispose([x, out]);
    });
  });

  it('is deterministic for a seed, differs across seeds and across images of one batch', async () => {
    await expectNoLeak(() => {
      const one = rampImages(1, 8, 8, 1);
      const x = tf.tile(one, [8, 1, 1, 1]) as tf.Tensor4D;
      const aug = weakAugment();
      const a = aug(x, 1);
      const b = aug(x, 1);
      const c = aug(x, 2);
      expect(values(a)).toEqual(values(b));
      expect(values(a)).not.toEqual(values(c));
      const imgs = nested(a).map((im) => JSON.stringify(im));
      expect(new Set(imgs).size).toBeGreaterThan(1);
      tf.dispose([one, x, a, b, c]);
    });
  });

  it('is the identity with flip and crop off; flip only mirrors columns', async () => {
    await expectNoLeak(() => {
      const x = rampImages(3, 4, 4, 3);
      const same = weakAugment({ flip: false, crop: false })(x, 3);
      expect(values(same)).toEqual(values(x));
      const flipped = weakAugment({ crop: false })(x, 3);
      const a = nested(x);
      const o = nested(flipped);
      for (let n = 0; n < 3; n++) {
        const mirrored = a[n].map((row) => row.slice().reverse());
        expect(JSON.stringify(o[n]) === JSON.stringify(a[n]) || JSON.stringify(o[n]) === JSON.stringify(mirrored)).toBe(true);
      }
      tf.dispose([x, same, flipped]);
    });
  });

  it('rejects a pad as large as the image and non-image input', async () => {
    await expectNoLeak(() => {
      const x = rampImages(1, 4, 4, 1);
      expect(() => weakAugment({ pad: 4 })(x, 0)).toThrow(/weakAugment.*pad/);
      const bad = tf.zeros([4, 4, 1]);
      expect(() => weakAugment()(bad as unknown as tf.Tensor4D, 0)).toThrow(TearArgumentError);
      tf.dispose([x, bad]);
    });
  });
});
