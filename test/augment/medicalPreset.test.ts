import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { medicalPreset, MEDICAL_RAND_AUGMENT_OPS } from '../../src/augment/medicalPreset';
import { expectNoLeak, values } from '../helpers/tensors';
import { nested, rampImages } from './augmentHelpers';

/** The 8 symmetries of a square image, computed independently. */
function symmetries(img: number[][][]): string[] {
  const rot = (a: number[][][]) => a.map((_, i) => a.map((row) => row[a.length - 1 - i]));
  const flip = (a: number[][][]) => a.map((row) => row.slice().reverse());
  const out: string[] = [];
  let a = img;
  for (let k = 0; k < 4; k++) {
    out.push(JSON.stringify(a), JSON.stringify(flip(a)));
    a = rot(a);
  }
  return out;
}

describe('medicalPreset', () => {
  it('drops Solarize from the RandAugment pool and keeps the other 13 ops', () => {
    expect(MEDICAL_RAND_AUGMENT_OPS).not.toContain('Solarize');
    expect(MEDICAL_RAND_AUGMENT_OPS).toHaveLength(13);
  });

  it('weak without padding gives one of the 8 square symmetries per image, several of them over a batch', async () => {
    await expectNoLeak(() => {
      const x = tf.tidy(() => tf.tile(rampImages(1, 4, 4, 2), [12, 1, 1, 1])) as tf.Tensor4D;
      const out = medicalPreset({ padFraction: 0 }).weak(x, 8);
      const sym = symmetries(nested(x)[0]);
      const seen = new Set<number>();
      for (const img of nested(out)) {
        const k = sym.indexOf(JSON.stringify(img));
        expect(k).toBeGreaterThanOrEqual(0);
        seen.add(k);
      }
      expect(seen.size).toBeGreaterThan(2);
      tf.dispose([x, out]);
    });
  });

  it('weak and strong keep shape and range and are deterministic for a seed', async () => {
    await expectNoLeak(() => {
      const x = rampImages(3, 16, 16, 3);
      const { weak, strong } = medicalPreset();
      for (const aug of [weak, strong]) {
        const a = aug(x, 1);
        const b = aug(x, 1);
        const c = aug(x, 2);
        expect(a.shape).toEqual([3, 16, 16, 3]);
        expect(values(a)).toEqual(values(b));
        expect(values(a)).not.toEqual(values(c));
        const v = values(a);
        expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...v)).toBeLessThanOrEqual(1);
        tf.dispose([a, b, c]);
      }
      x.dispose();
    });
  });

  it('rejects non-square images', async () => {
    await expectNoLeak(() => {
      const x = rampImages(1, 4, 6, 1);
      expect(() => medicalPreset().weak(x, 0)).toThrow(/medicalPreset.*square/);
      x.dispose();
    });
  });
});
