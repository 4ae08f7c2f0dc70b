import type * as tf from '@tensorflow/tfjs';

/**
 * An image augmentation: NHWC float32 images in [0, 1] and a seed in, a new tensor of the same shape
 * out (the caller owns it; the input is not disposed). Deterministic for a seed; each image of the batch
 * draws its own parameters.
 */
export type Augment = (images: tf.Tensor4D, seed: number) => tf.Tensor4D;

/**
 * Per-image affine map from output pixel (x = column, y = row) to the input pixel it reads:
 * `[a0, a1, a2, b0, b1, b2]` with x_in = a0·x + a1·y + a2, y_in = b0·x + b1·y + b2.
 */
export type AffineMap = [number, number, number, number, number, number];
