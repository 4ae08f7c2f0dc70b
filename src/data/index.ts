export type { ImageDataset, LabeledBatch, UnlabeledBatch } from './types';
export { DataFormatError, type DataErrorLocation } from './errors';
export { loadDigits, defaultDigitsPath } from './digits';
export {
  labeledBatches, unlabeledBatches, evaluationBatches, batchIndicesAt,
  type BatchStreamOptions, type UnlabeledBatchStreamOptions,
} from './batchSource';
export { loadIdx, FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES, type IdxKind } from './idx';
export { loadCifar10, CIFAR10_CLASS_NAMES } from './cifar10';
export {
  makeSplit, stratifiedQuotas, writeSplit, readSplit, SPLIT_FORMAT, SPLIT_FORMAT_VERSION, SPLIT_ALLOCATIONS,
  type DataSplit, type MakeSplitOptions, type SplitAllocation,
} from './splits';
export {
  loadIsic2018, ISIC2018_NORMALIZATION, ISIC2018_BUDGETS,
  type Isic2018Budget, type Isic2018Data, type LoadIsic2018Options,
} from './isic2018';
export { ISIC2018_CLASS_NAMES, readIsicSplitFile, type IsicSplitEntry } from './isicSplitFile';
export { readIsicGroundTruth, type IsicGroundTruthRow } from './isicGroundTruth';
export { deriveIsicUnlabeledSplit, renderIsicSplitFile, ISIC2018_POOL_FILE, ISIC2018_POOL_EXCLUDED } from './isicUnlabeledSplit';
export {
  labeledBatchesFrom, unlabeledBatchesFrom, asLabeledSource, asUnlabeledSource,
  type XsYs, type XsYsSource, type AnyLabeled, type FromDatasetOptions, type BatchFactory,
} from './fromDataset';
