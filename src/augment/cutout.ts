import * as tf from '@tensorflow/tfjs';
import { FILL_VALUE } from './geometricOps';

/** One Cutout square: rows [top, top + size), columns [left, left + size), clipped to the image. */
export interface CutoutBox {
  top: number;
  left: number;
  size: number;
}

/** Fills each image's box with grey (0.5); a box of size 0 leaves the image unchanged. */
export function cutout(images: tf.Tensor4D, boxes: readonly CutoutBox[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, height, width] = images.shape;
    const col = (values: number[]) => tf.tensor4d(values, [n, 1, 1, 1]);
    const rows = tf.reshape(tf.range(0, height), [1, height, 1, 1]);
    const cols = tf.reshape(tf.range(0, width), [1, 1, width, 1]);
    const top = col(boxes.map((b) => b.top));
    const left = col(boxes.map((b) => b.left));
    const bottom = col(boxes.map((b) => b.top + b.size));
    const right = col(boxes.map((b) => b.left + b.size));
    const inRows = tf.logicalAnd(tf.greaterEqual(rows, top), tf.less(rows, bottom));
    const inCols = tf.logicalAnd(tf.greaterEqual(cols, left), tf.less(cols, right));
    const inside = tf.broadcastTo(tf.logicalAnd(inRows, inCols), images.shape);
    return tf.where(inside, tf.fill(images.shape, FILL_VALUE), images) as tf.Tensor4D;
  });
}
