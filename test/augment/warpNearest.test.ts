import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { warpNearest } from '../../src/augment/warpNearest';
import { dihedralCropMap, rotationMap, shearXMap, translationMap } from '../../src/augment/affineMaps';
import { expectNoLeak } from '../helpers/tensors';
import { nested, rampImages, take } from './augmentHelpers';

describe('warpNearest + affine maps', () => {
  it('translates each image of a batch by its own whole-pixel shift, filling with the fill value', async () => {
    await expectNoLeak(() => {
      const x = rampImages(2, 3, 4, 1);
      const out = warpNearest(x, [translationMap(1, 0), translationMap(0, -1)], 0.5);
      const a = nested(x);
      const o = nested(out);
      for (let y = 0; y < 3; y++) {
        for (let c = 0; c < 4; c++) {
          // image 0 moved right by 1
          expect(o[0][y][c][0]).toBe(c === 0 ? 0.5 : a[0][y][c - 1][0]);
          // image 1 moved up by 1
          expect(o[1][y][c][0]).toBe(y === 2 ? 0.5 : a[1][y + 1][c][0]);
        }
      }
      tf.dispose([x, out]);
    });
  });

  it('rotation by 90° equals numpy rot90 (counter-clockwise) on a square image', async () => {
    await expectNoLeak(() => {
      const x = rampImages(1, 4, 4, 2);
      const out = take(warpNearest(x, [rotationMap(90, 4, 4)], 0.5));
      const a = nested(x);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let c = 0; c < 2; c++) expect(out[0][i][j][c]).toBe(a[0][j][3 - i][c]);
      tf.dispose(x);
    });
  });

  it('dihedral maps: flips and quarter turns permute pixels; an offset crop reads the shifted window', async () => {
    await expectNoLeak(() => {
      const x = rampImages(1, 3, 3, 1);
      const a = nested(x)[0];
      const flipH = take(warpNearest(x, [dihedralCropMap({ flipHorizontal: true, flipVertical: false, quarterTurns: 0 }, 3, 3, 0, 0)], 0))[0];
      const flipV = take(warpNearest(x, [dihedralCropMap({ flipHorizontal: false, flipVertical: true, quarterTurns: 0 }, 3, 3, 0, 0)], 0))[0];
      const turn = take(warpNearest(x, [dihedralCropMap({ flipHorizontal: false, flipVertical: false, quarterTurns: 1 }, 3, 3, 0, 0)], 0))[0];
      const crop = take(warpNearest(x, [dihedralCropMap({ flipHorizontal: false, flipVertical: false, quarterTurns: 0 }, 2, 2, 1, 0)], 0, [2, 2]))[0];
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          expect(flipH[i][j][0]).toBe(a[i][2 - j][0]);
          expect(flipV[i][j][0]).toBe(a[2 - i][j][0]);
          expect(turn[i][j][0]).toBe(a[j][2 - i][0]);
        }
      }
      expect(crop.map((r) => r.map((p) => p[0]))).toEqual([[a[0][1][0], a[0][2][0]], [a[1][1][0], a[1][2][0]]]);
      tf.dispose(x);
    });
  });

  it('shearX shifts rows in proportion to their distance from the centre row', async () => {
    await expectNoLeak(() => {
      const x = rampImages(1, 3, 5, 1);
      const a = nested(x)[0];
      const o = take(warpNearest(x, [shearXMap(1, 3, 5)], 0))[0];
      // centre row (y = 1) unchanged; row 0 reads x − 1, row 2 reads x + 1
      for (let j = 0; j < 5; j++) {
        expect(o[1][j][0]).toBe(a[1][j][0]);
        expect(o[0][j][0]).toBe(j === 0 ? 0 : a[0][j - 1][0]);
        expect(o[2][j][0]).toBe(j === 4 ? 0 : a[2][j + 1][0]);
      }
      tf.dispose(x);
    });
  });
});
