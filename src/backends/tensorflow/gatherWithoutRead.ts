import * as tf from '@tensorflow/tfjs';
import { dtypeAttr, type NodeBackendLike } from './nodeBackend';

/**
 * tfjs-node's GatherV2 kernel reads every index back to JavaScript and checks it there, one closure
 * per index, before running TensorFlow's GatherV2; for the augmentations' pixel gathers (75,264
 * indices for 96 images of 28×28) that check is most of the 2.5–4 ms the kernel takes, and on a GPU
 * device it is a round trip to the host. TensorFlow's CPU kernels check the indices themselves and
 * fail with the offending position, so on the CPU device this replacement skips the JavaScript read:
 *   axis 0, batchDims 0: out[i…, j…] = x[indices[i…], j…] as `GatherNd(x, indices[…, 1])`, which
 *     copies a row per index instead of GatherV2's per-slice path (10× faster for one float per row);
 *   any other axis or batchDims: TensorFlow's `GatherV2` as the stock kernel runs it.
 * Same values bit for bit (copies). On a GPU device TensorFlow's gathers do not check indices (an
 * out-of-range one gives zeros), so there the stock kernel, read and check included, still runs.
 * Reference: TensorFlow's `GatherNd` and `GatherV2` ops; tfjs-node's kernels/GatherV2.js.
 */
function gatherWithoutReadKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'GatherV2', backendName: 'tensorflow',
    kernelFunc: (args) => {
      const b = args.backend as unknown as NodeBackendLike;
      const { x, indices } = args.inputs as unknown as { x: tf.Tensor; indices: tf.Tensor };
      const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
      const params = dtypeAttr(b, 'Tparams', x.dtype);
      const index = dtypeAttr(b, 'Tindices', indices.dtype);
      if (b.isUsingGpuDevice === true || params === null || index === null || typeof b.executeSingleOutput !== 'function') {
        return stock.kernelFunc(args);
      }
      // tfjs's own shape checks (rank, batchDims against both shapes), as the stock kernel runs them
      const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
      tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.TensorInfo as never, indices as tf.TensorInfo as never, parsedAxis, batchDims);
      if (parsedAxis === 0 && batchDims === 0) {
        const column = tf.reshape(indices, [...indices.shape, 1]);
        try {
          return b.executeSingleOutput('GatherNd', [params, index], [x, column]);
        } finally {
          column.dispose();
        }
      }
      const axisTensor = tf.scalar(parsedAxis, 'int32');
      try {
        const intAttr = { name: 'batch_dims', type: b.binding.TF_ATTR_INT, value: batchDims };
        return b.executeSingleOutput('GatherV2', [intAttr, params, index, { name: 'Taxis', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_INT32 }], [x, indices, axisTensor]);
      } finally {
        axisTensor.dispose();
      }
    },
  };
}

let displaced: tf.KernelConfig | null = null;

/**
 * Replaces tfjs-node's GatherV2 kernel by one that does not read the indices back to JavaScript: TensorFlow's
 * CPU kernels check them (axis 0 as GatherNd; see the comment at the top of gatherWithoutRead.ts). Returns false, changing
 * nothing, when tfjs-node is not loaded; a second call is a no-op (true). selectBackend installs it with
 * the other tensorflow training kernels; call it yourself when you load tfjs-node by hand.
 */
export function installGatherWithoutRead(): boolean {
  if (displaced !== null) return true;
  const stock = tf.getKernel('GatherV2', 'tensorflow');
  if (stock === undefined) return false;
  displaced = stock;
  tf.unregisterKernel('GatherV2', 'tensorflow');
  tf.registerKernel(gatherWithoutReadKernel(stock));
  return true;
}

/** Undoes {@link installGatherWithoutRead}: puts tfjs-node's GatherV2 kernel back. */
export function uninstallGatherWithoutRead(): void {
  if (displaced === null) return;
  tf.unregisterKernel('GatherV2', 'tensorflow');
  tf.registerKernel(displaced);
  displaced = null;
}

/** Whether {@link installGatherWithoutRead} is in effect. */
export function gatherWithoutReadInstalled(): boolean {
  return displaced !== null;
}
