import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { warpNearest } from '../../src/augment/warpNearest';
import { dihedralCropMap, rotationMap, shearXMap, shearYMap, translationMap } from '../../src/augment/affineMaps';
import type { AffineMap } from '../../src/augment/types';
import { Random } from '../../src/state/random';
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

/** The earlier all-tensor warpNearest (float32 coordinates on the backend), kept as a reference. */
function warpNearestTensorOps(images: tf.Tensor4D, maps: readonly AffineMap[], fillValue: number, outputShape?: [number, number]): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  const [outH, outW] = outputShape ?? [height, width];
  return tf.tidy(() => {
    const gridX = tf.tensor2d(Array.from({ length: outH * outW }, (_, p) => p % outW), [1, outH * outW]);
    const gridY = tf.tensor2d(Array.from({ length: outH * outW }, (_, p) => Math.floor(p / outW)), [1, outH * outW]);
    const coef = (k: number) => tf.tensor2d(maps.map((m) => m[k]), [n, 1]);
    const inX = tf.floor(tf.add(tf.add(tf.add(tf.mul(coef(0), gridX), tf.mul(coef(1), gridY)), coef(2)), 0.5));
    const inY = tf.floor(tf.add(tf.add(tf.add(tf.mul(coef(3), gridX), tf.mul(coef(4), gridY)), coef(5)), 0.5));
    const inside = tf.logicalAnd(
      tf.logicalAnd(tf.greaterEqual(inX, 0), tf.lessEqual(inX, width - 1)),
      tf.logicalAnd(tf.greaterEqual(inY, 0), tf.lessEqual(inY, height - 1)),
    );
    const batchOffset = tf.tensor2d(Array.from({ length: n }, (_, b) => b * height * width), [n, 1]);
    const flatIndex = tf.add(tf.add(tf.mul(tf.clipByValue(inY, 0, height - 1), width), tf.clipByValue(inX, 0, width - 1)), batchOffset);
    const pixels = tf.gather(tf.reshape(images, [n * height * width, channels]), tf.cast(tf.reshape(flatIndex, [-1]), 'int32'));
    const mask = tf.reshape(inside, [n * outH * outW, 1]);
    const filled = tf.where(tf.broadcastTo(mask, [n * outH * outW, channels]), pixels, tf.fill([n * outH * outW, channels], fillValue));
    return tf.reshape(filled, [n, outH, outW, channels]) as tf.Tensor4D;
  });
}

describe('warpNearest host indices', () => {
  it('equals the float32 tensor-op formula bit for bit on rotations, shears, translations and crops, including half-pixel ties', async () => {
    const rng = new Random(11);
    const maps: AffineMap[] = [];
    for (let i = 0; i < 24; i++) {
      const s = rng.uniform(-1, 1);
      maps.push(i % 4 === 0 ? rotationMap(30 * s, 9, 7) : i % 4 === 1 ? shearXMap(0.3 * s, 9, 7)
        : i % 4 === 2 ? translationMap(Math.round(3 * s), 2) : dihedralCropMap({ flipHorizontal: s < 0, flipVertical: false, quarterTurns: i % 3 }, 9, 7, 1, 2));
    }
    // x_in lands exactly on .5 for odd centres and 90° turns: the rounding rule must match too.
    // An offset of ½ − 1e-9 is ½ in float32: float64 coordinates would round the other way.
    maps.push(rotationMap(90, 9, 7), shearYMap(0.5, 9, 7), [0.5, 0, 0.25, 0, 0.5, 0], [1, 0, 0.5 - 1e-9, 0, 1, -0.5 - 1e-9]);
    await expectNoLeak(() => {
      const x = tf.randomUniform([maps.length, 9, 7, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
      for (const shape of [undefined, [5, 6] as [number, number]]) {
        const ours = warpNearest(x, maps, 0.5, shape);
        const reference = warpNearestTensorOps(x, maps, 0.5, shape);
        expect(ours.shape).toEqual(reference.shape);
        expect(Array.from(ours.dataSync())).toEqual(Array.from(reference.dataSync()));
        tf.dispose([ours, reference]);
      }
      x.dispose();
    });
  });

  it('rejects a map count that differs from the batch', () => {
    const x = tf.zeros([2, 3, 3, 1]) as tf.Tensor4D;
    expect(() => warpNearest(x, [translationMap(0, 0)], 0)).toThrow(/got 1 affine maps for 2 images/);
    x.dispose();
  });
});
