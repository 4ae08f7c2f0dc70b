import type { DatasetName, TrainSettings } from './trainOptions';

/** What the CLI knows about each data set before loading it: where its files are, its model, its defaults. */
export interface DatasetProfile {
  name: DatasetName;
  /** How `--data` must look (for messages and --help). */
  dataHelp: string;
  /** `--data` used when the flag is absent (undefined: the flag is required unless the data is embedded). */
  defaultData?: string;
  /** True when the data ships inside the package (digits): `--data` is not used. */
  embedded: boolean;
  /** True when the data set has its own test split; otherwise a class-balanced test set is held out. */
  hasTestSplit: boolean;
  /** The backbone the CLI builds. */
  model: 'small-cnn' | 'wide-resnet-28-2' | 'tear-encoder';
  /** Per-data-set defaults, over COMMON_DEFAULTS. */
  defaults: Partial<TrainSettings>;
}

export const DATASET_PROFILES: Record<DatasetName, DatasetProfile> = {
  digits: {
    name: 'digits',
    dataHelp: 'not needed: the UCI digits (1797 8×8 images) ship with tear-ssl',
    embedded: true,
    hasTestSplit: false,
    model: 'small-cnn',
    defaults: { labels: 50, validation: 100, test: 360, steps: 300, batchSize: 16, mu: 4, emaWarmup: true, evalEvery: 100, checkpointEvery: 100 },
  },
  mnist: {
    name: 'mnist',
    dataHelp: 'a folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-…)',
    embedded: false,
    hasTestSplit: true,
    model: 'small-cnn',
    defaults: { labels: 100, validation: 500, steps: 2000, batchSize: 32, mu: 7, emaWarmup: true },
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    dataHelp: 'a folder with the Fashion-MNIST IDX files (Debian: apt-get install dataset-fashion-mnist → /usr/share/datasets/fashion-mnist)',
    defaultData: '/usr/share/datasets/fashion-mnist',
    embedded: false,
    hasTestSplit: true,
    model: 'small-cnn',
    defaults: { labels: 400, validation: 500, steps: 2000, batchSize: 32, mu: 7, emaWarmup: true },
  },
  cifar10: {
    name: 'cifar10',
    dataHelp: 'the cifar-10-batches-bin folder (data_batch_1.bin … data_batch_5.bin, test_batch.bin)',
    embedded: false,
    hasTestSplit: true,
    model: 'wide-resnet-28-2',
    defaults: { labels: 4000, validation: 500, steps: 1 << 20, batchSize: 64, mu: 7, lr: 0.03, evalEvery: 5000, checkpointEvery: 5000 },
  },
  isic2018: {
    name: 'isic2018',
    dataHelp: 'the folder with the ISIC 2018 Task 3 training images (ISIC_0024306.jpg …)',
    embedded: false,
    hasTestSplit: true,
    model: 'tear-encoder',
    defaults: { budget: 350, steps: 20000, batchSize: 64, mu: 7, lr: 1e-3, evalEvery: 500, checkpointEvery: 1000 },
  },
};
