import * as tf from '@tensorflow/tfjs';

/**
 * MaxPoolGrad for 2×2 windows with stride 2 on 'tensorflow', as tensor ops on the four quarter
 * images instead of TensorFlow's CPU MaxPoolGrad, which took about 35 ms of CPU for a
 * [224,28,28,32] input here (a full-size multiply takes 2 ms): with x_ab the quarter of x at row
 * offset a and column offset b of every window (x_ab[n,i,j,c] = x[n,2i+a,2j+b,c]), y the pooled output
 * and dy its gradient, the window's gradient goes to the first position, in row-major order
 * (00, 01, 10, 11), whose value equals the maximum: TensorFlow's own rule (its CPU kernel keeps the
 * first strict maximum in that scan order), so the result is bit-identical, ties included.
 * Returns null when the configuration is not 2×2 / stride 2 on even sides (the caller then runs the
 * stock kernel).
 */
export function maxPoolGrad2x2(
  dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, attrs: { filterSize: number | number[]; strides: number | number[]; pad: unknown; dimRoundingMode?: unknown },
): tf.Tensor4D | null {
  const pair = (v: number | number[]) => (Array.isArray(v) ? v : [v, v]);
  const [fh, fw] = pair(attrs.filterSize);
  const [sh, sw] = pair(attrs.strides);
  const [n, height, width, channels] = x.shape;
  const applies = fh === 2 && fw === 2 && sh === 2 && sw === 2 && height % 2 === 0 && width % 2 === 0
    && (attrs.pad === 'valid' || attrs.pad === 'same') && attrs.dimRoundingMode == null && x.dtype === 'float32';
  if (!applies) return null;
  const h = height / 2;
  const w = width / 2;
  return tf.tidy(() => {
    const x6 = tf.reshape(x, [n, h, 2, w, 2, channels]);
    const quarter = (a: number, b: number) => tf.reshape(tf.slice(x6, [0, 0, a, 0, b, 0], [n, h, 1, w, 1, channels]), [n, h, w, channels]);
    const isMax = [quarter(0, 0), quarter(0, 1), quarter(1, 0), quarter(1, 1)].map((q) => tf.equal(q, y));
    const zero = tf.zerosLike(dy);
    const parts: tf.Tensor[] = [];
    let taken: tf.Tensor | undefined;
    for (const m of isMax) {
      const first = taken === undefined ? m : tf.logicalAnd(m, tf.logicalNot(taken));
      parts.push(tf.where(first, dy, zero));
      taken = taken === undefined ? m : tf.logicalOr(taken, m);
    }
    const top = tf.stack([parts[0], parts[1]], 3); // [n,h,w,2,c]: columns of window row 0
    const bottom = tf.stack([parts[2], parts[3]], 3);
    return tf.reshape(tf.stack([top, bottom], 2), [n, height, width, channels]) as tf.Tensor4D; // [n,h,2,w,2,c]
  });
}
