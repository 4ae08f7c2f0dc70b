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
    const rowCount = n * channels;
    const rows = tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [rowCount, pixels]);
    const q = tf.clipByValue(tf.floor(tf.add(tf.mul(rows, 255), 0.5)), 0, LEVELS - 1);
    // Histogram of each row in one Bincount over ids row·256 + q, then a cumulative sum per row gives
    // cdf(level). Bincount, Cumsum and GatherV2 exist on every backend (tfjs-node lacks SearchSorted).
    const rowOffsets = tf.reshape(tf.range(0, rowCount * LEVELS, LEVELS, 'int32'), [rowCount, 1]);
    const ids = tf.add(tf.cast(q, 'int32'), rowOffsets) as tf.Tensor2D;
    const flatIds = tf.reshape(ids, [-1]) as tf.Tensor1D;
    const histogram = tf.bincount(flatIds, tf.tensor1d([], 'float32'), rowCount * LEVELS);
    const cdfTable = tf.reshape(tf.cumsum(tf.reshape(histogram, [rowCount, LEVELS]), 1), [-1]);
    const cdf = tf.reshape(tf.gather(cdfTable, flatIds), [rowCount, pixels]);
    const cdfMin = tf.gather(cdfTable, tf.min(ids, 1, true));
    const denominator = tf.sub(pixels, cdfMin);
    const constant = tf.lessEqual(denominator, 0);
    const mapped = tf.div(tf.sub(cdf, cdfMin), tf.where(constant, tf.onesLike(denominator), denominator));
    const out = tf.where(tf.broadcastTo(constant, rows.shape), rows, mapped);
    return tf.transpose(tf.reshape(out, [n, channels, height, width]), [0, 2, 3, 1]) as tf.Tensor4D;
  });
}

/** 8-bit levels. */
const LEVELS = 256;
