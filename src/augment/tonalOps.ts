import * as tf from '@tensorflow/tfjs';

/**
 * Posterize: keep the top `bits[n]` bits of each 8-bit value: x8 = ⌊255x + ½⌋,
 * out = ⌊x8 / 2^(8−b)⌋ · 2^(8−b) / 255 (PIL's ImageOps.posterize on uint8).
 */
export function posterize(images: tf.Tensor4D, bits: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const step = tf.tensor4d(bits.map((b) => 2 ** (8 - b)), [bits.length, 1, 1, 1]);
    const x8 = tf.floor(tf.add(tf.mul(images, 255), 0.5));
    return tf.div(tf.mul(tf.floor(tf.div(x8, step)), step), 255) as tf.Tensor4D;
  });
}

/** Solarize: invert (1 − x) every value with x ≥ thresholds[n]; others unchanged. */
export function solarize(images: tf.Tensor4D, thresholds: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const t = tf.tensor4d(thresholds as number[], [thresholds.length, 1, 1, 1]);
    return tf.where(tf.greaterEqual(images, t), tf.sub(1, images), images) as tf.Tensor4D;
  });
}
