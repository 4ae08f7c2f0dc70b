import * as tf from '@tensorflow/tfjs';
import { checkTensor, shapeString, TearArgumentError } from './checks';
import { readSync } from './syncRead';

/**
 * NaN/Inf policy: the pure functions in `src/math` and `src/state` never read tensor values back
 * (no sync), so they cannot reject non-finite inputs. A NaN or ±Inf logit propagates to a NaN loss.
 * Call `assertFinite` where a synchronous check is acceptable (tests, debugging, once per logged step).
 */

/** Row-major multi-index of flat position `flat` in `shape`. */
function multiIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = rest % shape[axis];
    rest = Math.floor(rest / shape[axis]);
  }
  return index;
}

/**
 * Synchronously checks every value of `t` is finite; throws `TearArgumentError`
 * "tear-ssl.<fn>: tensor '<name>' [shape] has a non-finite value (NaN) at index [i,j]" otherwise.
 * Reads the tensor (a sync on GPU backends): keep it out of hot loops.
 */
export function assertFinite(t: tf.Tensor, name: string, fn: string): void {
  checkTensor(t, name, fn);
  if (t.dtype !== 'float32') return;
  const data = readSync(t, name, fn);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      throw new TearArgumentError(
        `tear-ssl.${fn}: tensor '${name}' ${shapeString(t.shape)} has a non-finite value (${v}) `
        + `at index ${shapeString(multiIndex(i, t.shape))}`,
      );
    }
  }
}

const stopGradientOp = tf.customGrad((x) => ({
  value: (x as tf.Tensor).clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * Identity in the forward pass, zero gradient in the backward pass (tfjs 4.22 has no
 * `tf.stopGradient`). Returns a new tensor the caller owns. Float tensors only.
 * tfjs still walks the ops that produced `x` (passing zeros), so each needs a registered gradient:
 * use `greaterEqual`, not `greater`/`less`, on such paths.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}

/**
 * A new handle on the data of `t` (no copy) that the gradient tape does not connect to `t`: backprop
 * stops here. Needed for k-means (not differentiable) because tfjs refuses to backprop through a segment
 * op whose integer ids were computed from a watched tensor; a zero-gradient `customGrad` keeps that
 * connection and does not help. Assumes `t` lives on the active backend. The caller disposes the view.
 */
export function detach<T extends tf.Tensor>(t: T): T {
  tf.backend().incRef(t.dataId);
  return tf.engine().makeTensorFromDataId(t.dataId, t.shape, t.dtype) as T;
}
