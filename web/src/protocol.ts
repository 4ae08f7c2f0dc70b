/** Messages between the page (main.ts) and the training worker (worker.ts). */
import type { MethodName } from '../../src/cli/trainOptions';

export type BackendRequest = 'auto' | 'webgpu' | 'webgl' | 'wasm';

/** Run options, read from the page's URL query (see docs/web.md). */
export interface RunOptions {
  /** Steps per method (the CLI demo's 400 by default). */
  steps: number;
  /** Validation (EMA and student) every this many steps. */
  evalEvery: number;
  /** Refresh the unlabeled-image grid every this many steps. */
  gridEvery: number;
  seed: number;
  backend: BackendRequest;
  /** Methods to train, in order (default the demo's three). */
  methods: MethodName[];
}

export type ToWorker = { type: 'start'; options: RunOptions } | { type: 'stop' };

export interface BackendInfo {
  name: string;
  /** Why this backend: what was tried and what was found. */
  reason: string;
}

/** One unlabeled image's state under the current student (and EMA reference, for AdaPL). */
export interface GridItem {
  /** Hidden true label (for colouring only; training never sees it). */
  label: number;
  /** Pseudo label ŷ = argmax of the student's probabilities on the un-augmented image. */
  pseudoLabel: number;
  confidence: number;
  /** 1 kept by the confidence mask, 0 masked out; undefined for supervised-only (no unlabeled loss). */
  kept?: number;
  /** AdaPL weight w of the hard pseudo label (TEAR only). */
  weight?: number;
}

/** Test-set numbers of one model (as the CLI's EvalNumbers). */
export interface TestNumbers {
  top1: number;
  balancedAccuracy: number;
  macroF1: number;
  macroAuc: number;
}

export type FromWorker =
  | { type: 'backend'; backend: BackendInfo }
  | { type: 'data'; summary: string; grid: { images: Float32Array; labels: number[]; size: number } }
  | { type: 'memory'; numTensors: number; numBytes: number }
  | { type: 'methodStart'; method: MethodName; steps: number; batch: string }
  | {
    type: 'step'; method: MethodName; step: number; loss: number; supervised: number; unlabeled: number; iph: number;
    maskRate: number; pseudoLabelAccuracy?: number; numTensors: number; numBytes: number;
  }
  | { type: 'eval'; method: MethodName; step: number; emaTop1: number; studentTop1: number }
  | { type: 'grid'; method: MethodName; step: number; items: GridItem[] }
  | {
    type: 'methodEnd'; method: MethodName; stopped: boolean; seconds: number; steps: number;
    test?: { student: TestNumbers; ema: TestNumbers }; confusion?: number[][];
  }
  | { type: 'runEnd'; stopped: boolean; seconds: number; tableLines: string[]; numTensorsBefore: number; numTensorsAfter: number }
  | { type: 'error'; message: string };
