import * as tf from '@tensorflow/tfjs';

/**
 * Histogram equalisation per image and channel, as a continuous version of PIL's ImageOps.equalize:
 * values are binned to 8 bits (q = ⌊255x + ½⌋) and mapped through the empirical CDF,
 * out = (cdf(q) − cdf(q_min)) / (P − cdf(q_min)) with cdf(q) = #{pixels ≤ q}, P = H·W.
 * The lowest level goes to 0 and the highest to 1; a constant channel is left unchanged. It differs from PIL
 * only in PIL's integer rounding of its lookup table (PIL's step ⌊(P − count of the top level)/255⌋).
 */
export function equalize(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, height, width, channels] = images.shape;
    const pixels = height * width;
    const rows = tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [n * channels, pixels]);
    const q = tf.floor(tf.add(tf.mul(rows, 255), 0.5));
    const ascending = tf.reverse(tf.topk(q, pixels, true).values, 1);
    const cdf = tf.cast(tf.upperBound(ascending, q), 'float32');
    const cdfMin = tf.cast(tf.upperBound(ascending, tf.slice(ascending, [0, 0], [-1, 1])), 'float32');
    const denominator = tf.sub(pixels, cdfMin);
    const constant = tf.lessEqual(denominator, 0);
    const mapped = tf.div(tf.sub(cdf, cdfMin), tf.where(constant, tf.onesLike(denominator), denominator));
    const out = tf.where(tf.broadcastTo(constant, rows.shape), rows, mapped);
    return tf.transpose(tf.reshape(out, [n, channels, height, width]), [0, 2, 3, 1]) as tf.Tensor4D;
  });
}
