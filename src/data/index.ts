export type { ImageDataset, LabeledBatch, UnlabeledBatch } from './types';
export { DataFormatError, type DataErrorLocation } from './errors';
export { loadDigits, defaultDigitsPath } from './digits';
export {
  labeledBatches, unlabeledBatches, evaluationBatches, batchIndicesAt,
  type BatchStreamOptions, type UnlabeledBatchStreamOptions,
} from './batchSource';
