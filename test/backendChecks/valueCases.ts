/**
 * The exported math of tear-ssl/core as cases that run on any backend: each case builds its inputs from
 * seeded JavaScript numbers (the same on every backend), calls one function (or a gradient of it) and
 * returns named outputs. runBackendChecks (checks.ts) runs every case on the reference backend (cpu) and
 * on the backend under test, and compares. No test runner here: the cases run in Node, in Chromium and on
 * a device through one bundle.
 */
import * as tf from '@tensorflow/tfjs';
import {
  adaplLoss, adaplWeights, alignDistribution, clusterPrototypes, confidenceMask, cosineSimilarityMatrix,
  distributionAlignmentInit, distributionAlignmentUpdate, emaInit, emaUpdate, ensembleLossEstimate,
  estimateUnlabeledLoss, fixmatchLoss, hardPseudoLabels, iphLoss, iphLossReleaseExact, kmeans,
  lossEstimateCandidates, maskedUnlabeledLoss, matchPrototypes, maxProbabilityUncertainty, oneHotPseudoLabels,
  pairedCosine, relaxPseudoLabels, safeRowNorms, softCrossEntropy, softmaxProbabilities,
  temporalEnsembleUncertainty, temporalMemoryInit, temporalMemoryRead, temporalMemoryUpdate,
} from '../../src/core';
import { Random } from '../../src/state/random';

/** What a case returns: tensors (compared within tolerance, int32 and bool exactly) and plain numbers or arrays. */
export type CaseOutput = Record<string, tf.Tensor | number | number[] | number[][]>;

export interface ValueCase {
  name: string;
  /** Inputs, created before the tensor count is taken (disposed by the runner). */
  inputs: () => Record<string, tf.Tensor>;
  /** The call under test. Every tensor it returns is disposed by the runner; nothing else may remain. */
  run: (x: Record<string, tf.Tensor>) => CaseOutput;
  /** Outputs compared exactly (beyond int32/bool tensors, which always are): labels, masks, pairs. */
  exact?: string[];
}

const U = 12;
const C = 5;
const D = 8;

function seeded(seed: number, n: number, scale = 1, offset = 0): number[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => offset + scale * (2 * r.next() - 1));
}

/** Logits [rows, cols] with a clear winner per row (no near-ties, so argmax and masks agree on every backend). */
function logits(seed: number, rows = U, cols = C): tf.Tensor2D {
  const v = seeded(seed, rows * cols, 1.5);
  for (let i = 0; i < rows; i++) v[i * cols + (i % cols)] += 2.5 + (i % 3);
  return tf.tensor2d(v, [rows, cols]);
}

/** Row-stochastic probabilities computed in JavaScript (float64, then stored as float32). */
function probs(seed: number, rows = U, cols = C): tf.Tensor2D {
  const z = seeded(seed, rows * cols, 2);
  for (let i = 0; i < rows; i++) z[i * cols + ((i + seed) % cols)] += 3 * ((i % 4) / 3);
  const p: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = z.slice(i * cols, (i + 1) * cols).map(Math.exp);
    const s = row.reduce((a, b) => a + b, 0);
    p.push(...row.map((e) => e / s));
  }
  return tf.tensor2d(p, [rows, cols]);
}

/** Features [rows, D] in three well-separated groups (so k-means assignments are the same everywhere). */
function features(seed: number, rows = U, groups = 3): tf.Tensor2D {
  const v = seeded(seed, rows * D, 0.3);
  for (let i = 0; i < rows; i++) v[i * D + (i % groups)] += 3;
  return tf.tensor2d(v, [rows, D]);
}

const labels = (seed: number, n = U, k = C): tf.Tensor1D => tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7 + seed) % k), 'int32');
const positive = (seed: number, n = U): tf.Tensor1D => tf.tensor1d(seeded(seed, n, 0.5, 0.6));

export const VALUE_CASES: ValueCase[] = [
  { name: 'softmaxProbabilities', inputs: () => ({ z: logits(1) }), run: ({ z }) => ({ p: softmaxProbabilities(z as tf.Tensor2D) }) },
  {
    name: 'hardPseudoLabels, confidenceMask, oneHotPseudoLabels',
    inputs: () => ({ p: probs(2) }),
    run: ({ p }) => {
      const { labels: l, confidence } = hardPseudoLabels(p as tf.Tensor2D);
      return { labels: l, confidence, mask: confidenceMask({ probs: p as tf.Tensor2D }, { threshold: 0.6 }), oneHot: oneHotPseudoLabels(l, C) };
    },
    exact: ['mask', 'oneHot'],
  },
  ...(['none', 'mean', 'sum'] as const).map((reduction): ValueCase => ({
    name: `softCrossEntropy (${reduction}, weighted)`,
    inputs: () => ({ t: probs(3), z: logits(4), w: positive(5) }),
    run: ({ t, z, w }) => ({ loss: softCrossEntropy({ targets: t as tf.Tensor2D, logits: z as tf.Tensor2D, weights: w as tf.Tensor1D }, { reduction }) }),
  })),
  {
    name: 'softCrossEntropy gradient',
    inputs: () => ({ t: probs(3), z: logits(4) }),
    run: ({ t, z }) => ({ dz: tf.grad((l: tf.Tensor) => softCrossEntropy({ targets: t as tf.Tensor2D, logits: l as tf.Tensor2D }, { reduction: 'mean' }))(z) }),
  },
  {
    name: 'maskedUnlabeledLoss',
    inputs: () => ({ t: probs(6), z: logits(7), m: tf.tensor1d(Array.from({ length: U }, (_, i) => i % 3 === 0 ? 0 : 1)) }),
    run: ({ t, z, m }) => ({ loss: maskedUnlabeledLoss({ targets: t as tf.Tensor2D, strongLogits: z as tf.Tensor2D, mask: m as tf.Tensor1D }) }),
  },
  {
    name: 'fixmatchLoss',
    inputs: () => ({ q: probs(8), z: logits(9) }),
    run: ({ q, z }) => ({ ...fixmatchLoss({ weakProbs: q as tf.Tensor2D, strongLogits: z as tf.Tensor2D }, { threshold: 0.6 }) }),
    exact: ['mask', 'targets'],
  },
  ...(['kl', 'mse', 'emd'] as const).flatMap((distance) => [false, true].map((entropy): ValueCase => ({
    name: `estimateUnlabeledLoss (${distance}${entropy ? ' + entropy' : ''})`,
    inputs: () => ({ r: probs(10), s: probs(11) }),
    run: ({ r, s }) => ({ estimate: estimateUnlabeledLoss({ referenceProbs: r as tf.Tensor2D, studentProbs: s as tf.Tensor2D }, { distance, entropy }) }),
  }))),
  {
    name: 'ensembleLossEstimate, maxProbabilityUncertainty, temporalEnsembleUncertainty, lossEstimateCandidates',
    inputs: () => ({ r: probs(12), s: probs(13) }),
    run: ({ r, s }) => ({
      ensembleLossEstimate: ensembleLossEstimate({ referenceProbs: r as tf.Tensor2D, studentProbs: s as tf.Tensor2D }, { referenceWeight: 0.3 }),
      maxProb: maxProbabilityUncertainty({ probs: s as tf.Tensor2D }),
      temporal: temporalEnsembleUncertainty({ referenceProbs: r as tf.Tensor2D, studentProbs: s as tf.Tensor2D }, { referenceWeight: 0.7 }),
      ...Object.fromEntries(Object.entries(lossEstimateCandidates({ referenceProbs: r as tf.Tensor2D, studentProbs: s as tf.Tensor2D })).map(([k, t]) => [`candidate.${k}`, t])),
    }),
  },
  {
    name: 'adaplWeights',
    inputs: () => ({ e: positive(14) }),
    run: ({ e }) => ({ w: adaplWeights({ estimates: e as tf.Tensor1D }, { gamma: 2, wMin: 0.1 }) }),
  },
  ...(['uniform', 'reference'] as const).map((spread): ValueCase => ({
    name: `relaxPseudoLabels (${spread})`,
    inputs: () => ({ l: labels(1), w: tf.tensor1d(seeded(15, U, 0.45, 0.5)), r: probs(16) }),
    run: ({ l, w, r }) => ({ targets: relaxPseudoLabels({ pseudoLabels: l as tf.Tensor1D, weights: w as tf.Tensor1D, referenceProbs: r as tf.Tensor2D }, { numClasses: C, spread }) }),
  })),
  ...(['threshold', 'none'] as const).map((mask): ValueCase => ({
    name: `adaplLoss (mask ${mask}) and its gradient`,
    inputs: () => ({ z: logits(17), q: probs(18), r: probs(19), s: probs(20) }),
    run: ({ z, q, r, s }) => {
      const call = (l: tf.Tensor) => adaplLoss({ strongLogits: l as tf.Tensor2D, weakProbs: q as tf.Tensor2D, referenceProbs: r as tf.Tensor2D, studentProbs: s as tf.Tensor2D },
        { mask, threshold: 0.6, gamma: 2, wMin: 0.1, spread: 'reference' });
      const out = call(z);
      const dz = tf.grad((l: tf.Tensor) => call(l).loss)(z);
      return { ...out, dz };
    },
    exact: ['mask', 'pseudoLabels'],
  })),
  ...(['host', 'tensor'] as const).map((engine): ValueCase => ({
    name: `kmeans (engine ${engine})`,
    inputs: () => ({ x: features(21, 24) }),
    run: ({ x }) => {
      const r = kmeans({ x: x as tf.Tensor2D }, { k: 3, seed: 4, restarts: 2, engine });
      return { assignments: r.assignments, centroids: r.centroids, inertia: r.inertia, iterations: r.iterations };
    },
    exact: ['iterations'],
  })),
  {
    name: 'kmeans (engine auto)',
    inputs: () => ({ x: features(22, 24) }),
    run: ({ x }) => {
      const r = kmeans({ x: x as tf.Tensor2D }, { k: 3, seed: 5 });
      return { assignments: r.assignments, centroids: r.centroids, inertia: r.inertia };
    },
  },
  {
    name: 'clusterPrototypes and its gradient, matchPrototypes',
    inputs: () => ({ f: features(23), g: features(24), a: labels(0, U, 3), b: tf.tensor1d(Array.from({ length: U }, (_, i) => (i + 1) % 3), 'int32') }),
    run: ({ f, g, a, b }) => {
      const s = clusterPrototypes({ features: f as tf.Tensor2D, assignments: a as tf.Tensor1D }, { k: 3 });
      const r = clusterPrototypes({ features: g as tf.Tensor2D, assignments: b as tf.Tensor1D }, { k: 3 });
      const pairs = matchPrototypes({ student: s.prototypes, reference: r.prototypes, studentCounts: s.counts, referenceCounts: r.counts });
      const df = tf.grad((x: tf.Tensor) => tf.sum(tf.square(clusterPrototypes({ features: x as tf.Tensor2D, assignments: a as tf.Tensor1D }, { k: 3 }).prototypes)))(f);
      return { prototypes: s.prototypes, counts: s.counts, reference: r.prototypes, referenceCounts: r.counts, pairs, df };
    },
    exact: ['pairs'],
  },
  {
    name: 'cosineSimilarityMatrix, pairedCosine, safeRowNorms',
    inputs: () => ({ a: features(25), b: features(26) }),
    run: ({ a, b }) => ({
      matrix: cosineSimilarityMatrix(a as tf.Tensor2D, b as tf.Tensor2D),
      paired: pairedCosine(a as tf.Tensor2D, b as tf.Tensor2D),
      norms: safeRowNorms(a as tf.Tensor2D),
    }),
  },
  ...(['prediction', 'kmeans'] as const).map((reference): ValueCase => ({
    name: `iphLoss (reference ${reference}) and its gradient`,
    inputs: () => ({ f: features(27), g: features(28), a: labels(2, U, 3) }),
    run: ({ f, g, a }) => {
      const call = (x: tf.Tensor) => iphLoss({
        studentFeatures: x as tf.Tensor2D, referenceFeatures: g as tf.Tensor2D, ...(reference === 'prediction' ? { referenceAssignments: a as tf.Tensor1D } : {}),
      },
        { numClusters: 3, reference, seed: 6 });
      const out = call(f);
      const df = tf.grad((x: tf.Tensor) => call(x).loss)(f);
      return { loss: out.loss, assignments: out.assignments, pairs: out.pairs, df };
    },
    exact: ['pairs'],
  })),
  {
    name: 'iphLossReleaseExact',
    inputs: () => ({
      sl: features(29, 6), su: features(30), rl: features(31, 6), ru: features(32),
      slp: probs(33, 6, 3), sup: probs(34, U, 3), rlp: probs(35, 6, 3), rup: probs(36, U, 3),
    }),
    run: (x) => {
      const r = iphLossReleaseExact({
        studentLabeledFeatures: x.sl as tf.Tensor2D, studentUnlabeledFeatures: x.su as tf.Tensor2D,
        referenceLabeledFeatures: x.rl as tf.Tensor2D, referenceUnlabeledFeatures: x.ru as tf.Tensor2D,
        studentLabeledProbs: x.slp as tf.Tensor2D, studentUnlabeledProbs: x.sup as tf.Tensor2D,
        referenceLabeledProbs: x.rlp as tf.Tensor2D, referenceUnlabeledProbs: x.rup as tf.Tensor2D,
      }, { seed: 7, threshold: 0.5 });
      return { loss: r.loss, assignments: r.assignments, numeratorClasses: r.numeratorClasses, denominatorClasses: r.denominatorClasses };
    },
    exact: ['numeratorClasses', 'denominatorClasses'],
  },
  {
    name: 'distribution alignment (two pushes, then align)',
    inputs: () => ({ p: probs(37), q: probs(38), r: probs(39) }),
    run: ({ p, q, r }) => {
      const s0 = distributionAlignmentInit(C, { capacity: 2 });
      const s1 = distributionAlignmentUpdate(s0, p as tf.Tensor2D);
      const s2 = distributionAlignmentUpdate(s1, q as tf.Tensor2D);
      const s3 = distributionAlignmentUpdate(s2, r as tf.Tensor2D);
      const aligned = alignDistribution(s3, r as tf.Tensor2D);
      tf.dispose([s0.queue, s1.queue, s2.queue]);
      return { queue: s3.queue, aligned };
    },
  },
  {
    name: 'EMA (warm-up, copied batch-norm statistic)',
    inputs: () => ({ w: tf.tensor2d(seeded(40, 12), [3, 4]), v: tf.tensor1d(seeded(41, 4)), w2: tf.tensor2d(seeded(42, 12), [3, 4]), v2: tf.tensor1d(seeded(43, 4)) }),
    run: ({ w, v, w2, v2 }) => {
      const s0 = emaInit({ w, moving: v });
      const s1 = emaUpdate(s0, { w: w2, moving: v2 }, { momentum: 0.9, warmup: true, copy: (n) => n === 'moving' });
      const s2 = emaUpdate(s1, { w: w2, moving: v }, { momentum: 0.9, warmup: false });
      tf.dispose([...Object.values(s0.weights), ...Object.values(s1.weights)]);
      return { ...s2.weights, step: s2.step };
    },
  },
  {
    name: 'temporal memory (write, overwrite, read)',
    inputs: () => ({ i: tf.tensor1d([0, 3, 5, 7], 'int32'), j: tf.tensor1d([3, 6], 'int32'), p: probs(44, 4), q: probs(45, 2), k: tf.tensor1d([0, 1, 3, 6], 'int32') }),
    run: ({ i, j, p, q, k }) => {
      const s0 = temporalMemoryInit(8, C, { momentum: 0.6 });
      const s1 = temporalMemoryUpdate(s0, i as tf.Tensor1D, p as tf.Tensor2D);
      const s2 = temporalMemoryUpdate(s1, j as tf.Tensor1D, q as tf.Tensor2D);
      const read = temporalMemoryRead(s2, k as tf.Tensor1D);
      tf.dispose([s0.probs, s0.seen, s1.probs, s1.seen]);
      return { memory: s2.probs, seenAll: s2.seen, probs: read.probs, seen: read.seen };
    },
  },
];
