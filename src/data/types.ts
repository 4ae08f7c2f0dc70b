import type * as tf from '@tensorflow/tfjs';

/**
 * An image data set held in memory.
 * `images` is N·H·W·C float32 in NHWC order with values in [0, 1]; `labels` is N int32 in [0, numClasses).
 * `ids` (optional) names each sample, e.g. the ISIC image id.
 */
export interface ImageDataset {
  images: Float32Array;
  labels: Int32Array;
  /** [H, W, C] */
  shape: [number, number, number];
  numClasses: number;
  classNames: string[];
  ids?: string[];
}

/** A labeled mini-batch: images [B,H,W,C] float32, labels [B] int32. The consumer disposes both. */
export interface LabeledBatch {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  /** Sample ids int32 [B] (positions in the data set), when the source gives them (components that declare 'labeledIds' need them). */
  indices?: tf.Tensor1D;
}

/**
 * An unlabeled mini-batch: images [B,H,W,C] float32 and `indices` [B] int32, the samples' positions in
 * the data set (their sample ids, e.g. for a per-sample temporal memory). `labels` is only present when
 * asked for (hidden labels, for diagnostics). The consumer disposes every tensor.
 */
export interface UnlabeledBatch {
  images: tf.Tensor4D;
  indices: tf.Tensor1D;
  labels?: tf.Tensor1D;
}
