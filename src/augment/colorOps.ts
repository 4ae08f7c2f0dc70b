import * as tf from '@tensorflow/tfjs';

/** Per-image factors as a [N,1,1,1] tensor. */
const perImage = (values: readonly number[]): tf.Tensor4D => tf.tensor4d(values as number[], [values.length, 1, 1, 1]);

/** Blend `degenerate + f·(x − degenerate)` per image, clipped to [0, 1] (PIL's ImageEnhance). */
function blend(images: tf.Tensor4D, degenerate: tf.Tensor, factors: readonly number[]): tf.Tensor4D {
  return tf.clipByValue(tf.add(degenerate, tf.mul(perImage(factors), tf.sub(images, degenerate))), 0, 1) as tf.Tensor4D;
}

/** Luma [N,H,W,1]: 0.299 R + 0.587 G + 0.114 B for 3 channels (PIL's "L"), the channel mean otherwise. */
export function grayscale(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const channels = images.shape[3];
    if (channels === 3) return tf.sum(tf.mul(images, tf.tensor1d([0.299, 0.587, 0.114])), -1, true) as tf.Tensor4D;
    return tf.mean(images, -1, true) as tf.Tensor4D;
  });
}

/** Brightness: f·x per image (blend with black), clipped. */
export function adjustBrightness(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => blend(images, tf.zerosLike(images), factors));
}

/** Colour (saturation): blend with the image's own grayscale, clipped. */
export function adjustColor(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => blend(images, grayscale(images), factors));
}

/** Contrast: blend with the per-image mean of the grayscale (a constant grey image), clipped. */
export function adjustContrast(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => blend(images, tf.mean(grayscale(images), [1, 2, 3], true), factors));
}

/**
 * Sharpness: blend with the image smoothed by PIL's SMOOTH kernel [[1,1,1],[1,5,1],[1,1,1]]/13 per channel;
 * border pixels keep their value in the smoothed image (as PIL). Factor 0 = smoothed, 1 = unchanged, > 1 sharpens.
 */
export function adjustSharpness(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width, channels] = images.shape;
    if (height < 3 || width < 3) return blend(images, images, factors);
    const k = [1, 1, 1, 1, 5, 1, 1, 1, 1].map((v) => v / 13);
    const kernel = tf.tile(tf.tensor4d(k, [3, 3, 1, 1]), [1, 1, channels, 1]) as tf.Tensor4D;
    const smoothInner = tf.depthwiseConv2d(images, kernel, 1, 'valid');
    const smooth = tf.pad(smoothInner, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const inner = tf.pad(tf.ones([1, height - 2, width - 2, 1]), [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const degenerate = tf.add(tf.mul(inner, smooth), tf.mul(tf.sub(1, inner), images));
    return blend(images, degenerate, factors);
  });
}

/** AutoContrast: per image and channel, (x − min)/(max − min); a constant channel is left unchanged. */
export function autoContrast(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const lo = tf.min(images, [1, 2], true);
    const hi = tf.max(images, [1, 2], true);
    const range = tf.sub(hi, lo);
    const flat = tf.lessEqual(range, 0);
    const scaled = tf.div(tf.sub(images, lo), tf.where(flat, tf.onesLike(range), range));
    return tf.clipByValue(tf.where(tf.broadcastTo(flat, images.shape), images, scaled), 0, 1) as tf.Tensor4D;
  });
}
