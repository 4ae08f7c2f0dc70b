import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adjustBrightness, adjustColor, adjustContrast, adjustSharpness, autoContrast } from '../../src/augment/colorOps';
import { equalize } from '../../src/augment/equalize';
import { posterize, solarize } from '../../src/augment/tonalOps';
import { cutout } from '../../src/augment/cutout';
import { rotate, translateX, translateY } from '../../src/augment/geometricOps';
import { expectClose, expectNoLeak, values } from '../helpers/tensors';

const img1 = (v: number[], h: number, w: number) => tf.tensor4d(v, [1, h, w, 1]);

describe('colour operations (hand-computed)', () => {
  it('brightness scales and clips', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor4d([0.2, 0.6, 0.8, 1], [2, 1, 2, 1]);
      const out = adjustBrightness(x, [0.5, 1.5]);
      expectClose(values(out), [0.1, 0.3, 1, 1], 1e-6);
      tf.dispose([x, out]);
    });
  });

  it('colour factor 0 gives the luma 0.299R + 0.587G + 0.114B; factor 1 is the identity', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor4d([1, 0, 0, 0.2, 0.4, 0.6], [1, 1, 2, 3]);
      const gray = adjustColor(x, [0]);
      const y1 = 0.2 * 0.299 + 0.4 * 0.587 + 0.6 * 0.114;
      expectClose(values(gray), [0.299, 0.299, 0.299, y1, y1, y1], 1e-6);
      const same = adjustColor(x, [1]);
      expectClose(values(same), values(x), 1e-6);
      tf.dispose([x, gray, same]);
    });
  });

  it('contrast factor 0 gives the mean luma everywhere; factor 2 doubles deviations (clipped)', async () => {
    await expectNoLeak(() => {
      const x = img1([0.2, 0.4, 0.6, 0.8], 2, 2);
      const flat = adjustContrast(x, [0]);
      expectClose(values(flat), [0.5, 0.5, 0.5, 0.5], 1e-6);
      const strong = adjustContrast(x, [2]);
      expectClose(values(strong), [0, 0.3, 0.7, 1], 1e-6);
      tf.dispose([x, flat, strong]);
    });
  });

  it('sharpness: factor 0 smooths inner pixels with [[1,1,1],[1,5,1],[1,1,1]]/13 and keeps borders; factor 2 sharpens', async () => {
    await expectNoLeak(() => {
      const x = img1([0, 0, 0, 0, 0.5, 0, 0, 0, 0], 3, 3);
      const smooth = adjustSharpness(x, [0]);
      expectClose(values(smooth), [0, 0, 0, 0, 2.5 / 13, 0, 0, 0, 0], 1e-6);
      const sharp = adjustSharpness(x, [2]);
      expectClose(values(sharp), [0, 0, 0, 0, 1 - 2.5 / 13, 0, 0, 0, 0], 1e-6);
      tf.dispose([x, smooth, sharp]);
    });
  });

  it('autoContrast stretches each channel to [0, 1] and leaves constant channels', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor4d([0.2, 0.3, 0.4, 0.3, 0.6, 0.3], [1, 1, 3, 2]);
      const out = autoContrast(x);
      expectClose(values(out), [0, 0.3, 0.5, 0.3, 1, 0.3], 1e-6);
      tf.dispose([x, out]);
    });
  });

  it('equalize maps 8-bit levels through the CDF: [0, .2, .2, .8] → [0, 2/3, 2/3, 1]', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor4d([0, 0.5, 0.2, 0.5, 0.2, 0.5, 0.8, 0.5], [1, 2, 2, 2]);
      const out = equalize(x);
      expectClose(values(out), [0, 0.5, 2 / 3, 0.5, 2 / 3, 0.5, 1, 0.5], 1e-6);
      tf.dispose([x, out]);
    });
  });
});

describe('tonal operations (hand-computed)', () => {
  it('posterize keeps the top bits of the 8-bit value', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor4d([100 / 255, 200 / 255, 100 / 255, 200 / 255, 255 / 255, 7 / 255], [3, 1, 2, 1]);
      const out = posterize(x, [1, 4, 8]);
      // 1 bit: 100 → 0, 200 → 128; 4 bits: 100 → 96, 200 → 192; 8 bits unchanged
      expectClose(values(out), [0, 128 / 255, 96 / 255, 192 / 255, 1, 7 / 255], 1e-6);
      tf.dispose([x, out]);
    });
  });

  it('solarize inverts values at or above the threshold', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor4d([0.2, 0.5, 0.7, 0.2, 0.5, 0.7], [2, 1, 3, 1]);
      const out = solarize(x, [0.5, 1.01]);
      expectClose(values(out), [0.2, 0.5, 0.3, 0.2, 0.5, 0.7], 1e-6);
      tf.dispose([x, out]);
    });
  });
});

describe('geometric operations and cutout', () => {
  it('translateX / translateY move content by whole pixels with grey fill', async () => {
    await expectNoLeak(() => {
      const x = img1([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 1], 3, 3);
      const right = translateX(x, [1]);
      expectClose(values(right), [0.5, 0.1, 0.2, 0.5, 0.4, 0.6, 0.5, 0.8, 0.9], 1e-7);
      const up = translateY(x, [-2]);
      expectClose(values(up), [0.8, 0.9, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 1e-7);
      tf.dispose([x, right, up]);
    });
  });

  it('rotate by 180° reverses the pixel order; by 0° is the identity', async () => {
    await expectNoLeak(() => {
      const v = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7];
      const x = img1(v, 2, 3);
      const r = rotate(x, [180]);
      expectClose(values(r), v.slice().reverse(), 1e-7);
      const same = rotate(x, [0]);
      expect(values(same)).toEqual(values(x));
      tf.dispose([x, r, same]);
    });
  });

  it('cutout fills the box with 0.5, clipped at the border', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([2, 3, 3, 1]) as tf.Tensor4D;
      const out = cutout(x, [{ top: -1, left: 1, size: 2 }, { top: 1, left: 1, size: 0 }]);
      expect(values(out)).toEqual([0, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      tf.dispose([x, out]);
    });
  });
});
