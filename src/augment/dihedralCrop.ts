import * as tf from '@tensorflow/tfjs';
import { dihedralCropMap, type Dihedral } from './affineMaps';
import { warpNearest } from './warpNearest';

/**
 * Reflect-pads every image by `pad` (mirror without repeating the edge, as numpy's 'reflect'), then reads
 * an h×w crop at per-image offsets in [0, 2·pad] through a per-image dihedral symmetry. Exact pixel copies.
 */
export function dihedralCrop(
  images: tf.Tensor4D, pad: number, params: ReadonlyArray<Dihedral & { offsetX: number; offsetY: number }>,
): tf.Tensor4D {
  const [, height, width] = images.shape;
  return tf.tidy(() => {
    const padded = pad > 0 ? tf.mirrorPad(images, [[0, 0], [pad, pad], [pad, pad], [0, 0]], 'reflect') : images;
    const maps = params.map((p) => dihedralCropMap(p, height, width, p.offsetX, p.offsetY));
    return warpNearest(padded, maps, 0, [height, width]);
  });
}
