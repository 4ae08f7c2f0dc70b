import * as tf from '@tensorflow/tfjs';
import { makeSplit } from '../../../src/data/splits';
import { adaplLoss } from '../../../src/math/adaplLoss';
import { adaplWeights } from '../../../src/math/adaplWeights';
import { clusterPrototypes } from '../../../src/math/clusterPrototypes';
import { fixmatchLoss, maskedUnlabeledLoss } from '../../../src/math/fixmatchLoss';
import { iphLoss } from '../../../src/math/iphLoss';
import { kmeans } from '../../../src/math/kmeans';
import { estimateUnlabeledLoss } from '../../../src/math/lossEstimator';
import { softmaxProbabilities } from '../../../src/math/probabilities';
import { confidenceMask, hardPseudoLabels } from '../../../src/math/pseudoLabels';
import { relaxPseudoLabels } from '../../../src/math/relaxPseudoLabels';
import { softCrossEntropy } from '../../../src/math/softCrossEntropy';
import { balancedAccuracy } from '../../../src/metrics/balancedAccuracy';
import { classificationReport } from '../../../src/metrics/classificationReport';
import { rocAucOneVsRest } from '../../../src/metrics/rocAucOneVsRest';
import { top1Accuracy } from '../../../src/metrics/top1Accuracy';
import { distributionAlignmentInit, distributionAlignmentUpdate } from '../../../src/state/distributionAlignment';
import { disposeState } from '../../../src/state/serialize';
import { temporalMemoryInit, temporalMemoryRead, temporalMemoryUpdate } from '../../../src/state/temporalMemory';
import { judgeApiError, judgeApiOk, type Case } from './judge';

const U = 4;
const C = 3;
const D = 5;
type Kind = 'float2' | 'float1' | 'int1';

interface Arg { name: string; kind: Kind; make: () => tf.Tensor; rows?: boolean }
interface Fn { fn: string; args: Arg[]; call: (a: unknown[]) => unknown }

const probs = (): tf.Tensor => tf.tensor2d([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.96, 0.02, 0.02]]);
const logits = (): tf.Tensor => tf.tensor2d([[1, 0, -1], [0, 2, 0], [0.5, 0.5, 1], [3, -1, 0]]);
const features = (): tf.Tensor => tf.tensor2d(Array.from({ length: U }, (_, i) => Array.from({ length: D }, (_, j) => Math.sin(i * 3 + j))));
const labels = (): tf.Tensor => tf.tensor1d([0, 1, 2, 0], 'int32');
const weights = (): tf.Tensor => tf.tensor1d([0.9, 0.7, 0.6, 1]);

const FUNCTIONS: Fn[] = [
  { fn: 'softmaxProbabilities', args: [{ name: 'logits', kind: 'float2', make: logits }], call: ([a]) => softmaxProbabilities(a as tf.Tensor2D) },
  { fn: 'hardPseudoLabels', args: [{ name: 'probs', kind: 'float2', make: probs }], call: ([a]) => hardPseudoLabels(a as tf.Tensor2D) },
  { fn: 'confidenceMask', args: [{ name: 'probs', kind: 'float2', make: probs }], call: ([a]) => confidenceMask({ probs: a as tf.Tensor2D }, { threshold: 0.9 }) },
  {
    fn: 'softCrossEntropy', args: [{ name: 'targets', kind: 'float2', make: probs, rows: true }, { name: 'logits', kind: 'float2', make: logits, rows: true }],
    call: ([t, z]) => softCrossEntropy({ targets: t as tf.Tensor2D, logits: z as tf.Tensor2D }),
  },
  {
    fn: 'maskedUnlabeledLoss',
    args: [{ name: 'targets', kind: 'float2', make: probs, rows: true }, { name: 'strongLogits', kind: 'float2', make: logits, rows: true }, { name: 'mask', kind: 'float1', make: weights, rows: true }],
    call: ([t, z, m]) => maskedUnlabeledLoss({ targets: t as tf.Tensor2D, strongLogits: z as tf.Tensor2D, mask: m as tf.Tensor1D }),
  },
  {
    fn: 'fixmatchLoss', args: [{ name: 'weakProbs', kind: 'float2', make: probs, rows: true }, { name: 'strongLogits', kind: 'float2', make: logits, rows: true }],
    call: ([p, z]) => fixmatchLoss({ weakProbs: p as tf.Tensor2D, strongLogits: z as tf.Tensor2D }),
  },
  {
    fn: 'estimateUnlabeledLoss', args: [{ name: 'referenceProbs', kind: 'float2', make: probs, rows: true }, { name: 'studentProbs', kind: 'float2', make: probs, rows: true }],
    call: ([a, b]) => estimateUnlabeledLoss({ referenceProbs: a as tf.Tensor2D, studentProbs: b as tf.Tensor2D }),
  },
  { fn: 'adaplWeights', args: [{ name: 'estimates', kind: 'float1', make: weights }], call: ([e]) => adaplWeights({ estimates: e as tf.Tensor1D }) },
  {
    fn: 'relaxPseudoLabels', args: [{ name: 'pseudoLabels', kind: 'int1', make: labels, rows: true }, { name: 'weights', kind: 'float1', make: weights, rows: true }],
    call: ([l, w]) => relaxPseudoLabels({ pseudoLabels: l as tf.Tensor1D, weights: w as tf.Tensor1D }, { numClasses: C }),
  },
  {
    fn: 'adaplLoss',
    args: [{ name: 'strongLogits', kind: 'float2', make: logits, rows: true }, { name: 'weakProbs', kind: 'float2', make: probs, rows: true }, { name: 'referenceProbs', kind: 'float2', make: probs, rows: true }],
    call: ([z, p, r]) => adaplLoss({ strongLogits: z as tf.Tensor2D, weakProbs: p as tf.Tensor2D, referenceProbs: r as tf.Tensor2D }),
  },
  {
    fn: 'clusterPrototypes', args: [{ name: 'features', kind: 'float2', make: features, rows: true }, { name: 'assignments', kind: 'int1', make: labels, rows: true }],
    call: ([f, a]) => clusterPrototypes({ features: f as tf.Tensor2D, assignments: a as tf.Tensor1D }, { k: C }),
  },
  {
    fn: 'iphLoss', args: [{ name: 'studentFeatures', kind: 'float2', make: features, rows: true }, { name: 'referenceFeatures', kind: 'float2', make: features, rows: true }],
    call: ([s, r]) => iphLoss({ studentFeatures: s as tf.Tensor2D, referenceFeatures: r as tf.Tensor2D }, { numClusters: 2, reference: 'kmeans', seed: 1 }),
  },
  { fn: 'kmeans', args: [{ name: 'x', kind: 'float2', make: features }], call: ([x]) => kmeans({ x: x as tf.Tensor2D }, { k: 2, seed: 1 }) },
  {
    fn: 'temporalMemoryRead', args: [{ name: 'indices', kind: 'int1', make: labels }],
    call: ([i]) => { const s = temporalMemoryInit(6, C); try { return temporalMemoryRead(s, i as tf.Tensor1D); } finally { disposeState(s); } },
  },
  {
    fn: 'temporalMemoryUpdate', args: [{ name: 'indices', kind: 'int1', make: labels, rows: true }, { name: 'probs', kind: 'float2', make: probs, rows: true }],
    call: ([i, p]) => { const s = temporalMemoryInit(6, C); try { return temporalMemoryUpdate(s, i as tf.Tensor1D, p as tf.Tensor2D); } finally { disposeState(s); } },
  },
  {
    fn: 'distributionAlignmentUpdate', args: [{ name: 'probs', kind: 'float2', make: probs }],
    call: ([p]) => { const s = distributionAlignmentInit(C); try { return distributionAlignmentUpdate(s, p as tf.Tensor2D); } finally { disposeState(s); } },
  },
];

/** Each way to break one tensor argument: [label, build from a valid tensor]. */
function tensorMutations(arg: Arg): Array<[string, (valid: tf.Tensor) => unknown]> {
  const out: Array<[string, (valid: tf.Tensor) => unknown]> = [
    ['null', () => null],
    ['number', () => 0.5],
    ['nested-array', (v) => v.arraySync()],
    ['rank', (v) => (v.rank === 2 ? tf.reshape(v, [-1]) : tf.expandDims(v, 1))],
    ['dtype', (v) => tf.cast(v, v.dtype === 'int32' ? 'float32' : 'int32')],
  ];
  if (arg.rows) out.push(['one-row-more', (v) => tf.tidy(() => tf.concat([v, tf.slice(v, [0], [1])], 0))]);
  return out;
}

/** API inputs: every tensor argument of the core functions broken each way, value-range breaks, bad options, and checked good calls. */
export function apiCases(): Case[] {
  const cases: Case[] = [];
  for (const spec of FUNCTIONS) {
    spec.args.forEach((arg, index) => {
      for (const [label, mutate] of tensorMutations(arg)) {
        cases.push({
          id: `api/${spec.fn}/${arg.name}/${label}`, group: 'api', via: 'api',
          run: async () => {
            const made: tf.Tensor[] = [];
            const args = spec.args.map((a) => { const t = a.make(); made.push(t); return t; });
            const bad = mutate(args[index] as tf.Tensor);
            if (bad instanceof tf.Tensor) made.push(bad);
            args[index] = bad as tf.Tensor;
            try {
              return await judgeApiError(() => spec.call(args), 'TearArgumentError', [`tear-ssl.${spec.fn}`, `'${arg.name}'`]);
            } finally {
              tf.dispose(made);
            }
          },
        });
      }
    });
  }
  const t = <T>(build: () => T, check: (v: T) => string | undefined) => judgeApiOk(() => tf.tidy(() => build() as unknown as tf.TensorContainer) as unknown as T, check);
  const values: Array<[string, () => unknown, string[]]> = [
    ['estimateUnlabeledLoss/negative-probability', () => tf.tidy(() => estimateUnlabeledLoss({ referenceProbs: tf.tensor2d([[0.5, 0.5], [1, -0.1]]), studentProbs: tf.tensor2d([[0.5, 0.5], [0.5, 0.5]]) })), ["'referenceProbs'", 'index [1,1]']],
    ['relaxPseudoLabels/label-equal-C', () => tf.tidy(() => relaxPseudoLabels({ pseudoLabels: tf.tensor1d([0, 3], 'int32'), weights: tf.tensor1d([0.9, 0.9]) }, { numClasses: 3 })), ["'pseudoLabels'", 'index [1]']],
    ['relaxPseudoLabels/label-negative', () => tf.tidy(() => relaxPseudoLabels({ pseudoLabels: tf.tensor1d([-2], 'int32'), weights: tf.tensor1d([0.9]) }, { numClasses: 3 })), ["'pseudoLabels'"]],
    ['relaxPseudoLabels/numClasses-0', () => tf.tidy(() => relaxPseudoLabels({ pseudoLabels: tf.tensor1d([0], 'int32'), weights: tf.tensor1d([0.9]) }, { numClasses: 0 })), ["'numClasses'"]],
    ['relaxPseudoLabels/numClasses-fraction', () => tf.tidy(() => relaxPseudoLabels({ pseudoLabels: tf.tensor1d([0], 'int32'), weights: tf.tensor1d([0.9]) }, { numClasses: 2.5 })), ["'numClasses'"]],
    ['temporalMemoryRead/index-past-end', () => { const s = temporalMemoryInit(3, 2); try { return tf.tidy(() => temporalMemoryRead(s, tf.tensor1d([0, 3], 'int32'))); } finally { disposeState(s); } }, ["'indices'", 'outside [0, 3)']],
    ['temporalMemoryRead/index-negative', () => { const s = temporalMemoryInit(3, 2); try { return tf.tidy(() => temporalMemoryRead(s, tf.tensor1d([-1], 'int32'))); } finally { disposeState(s); } }, ["'indices'"]],
    ['temporalMemoryInit/zero-samples', () => temporalMemoryInit(0, 2), ["'numSamples'"]],
    ['confidenceMask/threshold-above-1', () => tf.tidy(() => confidenceMask({ probs: tf.tensor2d([[0.5, 0.5]]) }, { threshold: 1.5 })), ["'threshold'"]],
    ['confidenceMask/threshold-NaN', () => tf.tidy(() => confidenceMask({ probs: tf.tensor2d([[0.5, 0.5]]) }, { threshold: Number.NaN })), ["'threshold'"]],
    ['adaplWeights/gamma-0', () => tf.tidy(() => adaplWeights({ estimates: tf.tensor1d([1]) }, { gamma: 0 })), ["'gamma'"]],
    ['adaplWeights/wMin-2', () => tf.tidy(() => adaplWeights({ estimates: tf.tensor1d([1]) }, { wMin: 2 })), ["'wMin'"]],
    ['kmeans/k-0', () => tf.tidy(() => kmeans({ x: tf.ones([3, 2]) as tf.Tensor2D }, { k: 0 }) as unknown as tf.TensorContainer), ["'k'"]],
    ['kmeans/non-finite', () => tf.tidy(() => kmeans({ x: tf.tensor2d([[0, 1], [Number.NaN, 1]]) }, { k: 1 }) as unknown as tf.TensorContainer), ['kmeans', "'x'"]],
    ['iphLoss/non-finite', () => tf.tidy(() => iphLoss({ studentFeatures: tf.tensor2d([[0, Number.NaN], [1, 1]]), referenceFeatures: tf.tensor2d([[0, 1], [1, 1]]) }, { numClusters: 1, reference: 'kmeans' }) as unknown as tf.TensorContainer), ["'studentFeatures'", 'NaN']],
    ['iphLoss/numClusters-0', () => tf.tidy(() => iphLoss({ studentFeatures: tf.ones([2, 2]) as tf.Tensor2D, referenceFeatures: tf.ones([2, 2]) as tf.Tensor2D }, { numClusters: 0, reference: 'kmeans' }) as unknown as tf.TensorContainer), ["'numClusters'"]],
    ['makeSplit/label-out-of-range', () => makeSplit(Int32Array.from([0, 1, 5]), { numLabeled: 2, seed: 0, numClasses: 2 }), ['makeSplit', 'labels[2] = 5']],
    ['makeSplit/too-few-samples', () => makeSplit(Int32Array.from([0, 1, 1]), { numLabeled: 4, seed: 0, numClasses: 2 }), ['makeSplit', 'class 0 has 1 samples']],
    ['top1Accuracy/length-mismatch', () => top1Accuracy([0, 1], [0]), ['top1Accuracy']],
    ['balancedAccuracy/label-out-of-range', () => balancedAccuracy([0, 5], [0, 1], 3), ['balancedAccuracy', '5']],
    ['rocAucOneVsRest/row-too-short', () => rocAucOneVsRest([0, 1], [[0.5, 0.5], [1]], 2), ['rocAucOneVsRest']],
    ['classificationReport/NaN-probability', () => classificationReport([0, 1], [[Number.NaN, 1], [0, 1]], 2), ['classificationReport', 'NaN']],
  ];
  for (const [id, run, names] of values) {
    cases.push({ id: `api/${id}`, group: 'api', via: 'api', run: () => judgeApiError(run, 'TearArgumentError', names) });
  }
  // good calls, checked against numbers computed by hand
  const close = (a: ArrayLike<number>, b: number[], tol = 1e-5) => (b.every((v, i) => Math.abs(a[i] - v) <= tol) && a.length === b.length ? undefined : `${Array.from(a)} ≠ ${b}`);
  cases.push(
    { id: 'api/softmaxProbabilities/ok', group: 'api', via: 'api', run: () => t(() => softmaxProbabilities(tf.tensor2d([[0, Math.log(2), Math.log(3)]])), (p) => close(p.dataSync(), [1 / 6, 2 / 6, 3 / 6])) },
    { id: 'api/softmaxProbabilities/NaN-propagates', group: 'api', via: 'api', run: () => t(() => softmaxProbabilities(tf.tensor2d([[0, Number.NaN, 1]])), (p) => (Array.from(p.dataSync()).every(Number.isNaN) ? undefined : `${p.dataSync()}: a NaN logit must give a NaN row, not plausible numbers`)) },
    {
      id: 'api/fixmatchLoss/ok', group: 'api', via: 'api',
      run: () => t(() => fixmatchLoss({ weakProbs: tf.tensor2d([[0.96, 0.02, 0.02], [0.5, 0.3, 0.2]]), strongLogits: tf.zeros([2, 3]) as tf.Tensor2D }, { threshold: 0.95 }),
        (r) => close([...r.loss.dataSync(), ...r.mask.dataSync()], [Math.log(3) / 2, 1, 0])),
    },
    {
      id: 'api/estimateUnlabeledLoss/ok', group: 'api', via: 'api',
      run: () => t(() => estimateUnlabeledLoss({ referenceProbs: tf.tensor2d([[0.25, 0.75]]), studentProbs: tf.tensor2d([[0.5, 0.5]]) }), (e) => close(e.dataSync(), [Math.log(2)])),
    },
    {
      id: 'api/relaxPseudoLabels/ok', group: 'api', via: 'api',
      run: () => t(() => relaxPseudoLabels({ pseudoLabels: tf.tensor1d([2], 'int32'), weights: tf.tensor1d([0.8]) }, { numClasses: 3 }), (q) => close(q.dataSync(), [0.1, 0.1, 0.8])),
    },
    {
      id: 'api/temporalMemory/ok', group: 'api', via: 'api',
      run: () => t(() => {
        const s0 = temporalMemoryInit(3, 2, { momentum: 0.5 });
        const s1 = temporalMemoryUpdate(s0, tf.tensor1d([2], 'int32'), tf.tensor2d([[1, 0]]));
        const s2 = temporalMemoryUpdate(s1, tf.tensor1d([2], 'int32'), tf.tensor2d([[0, 1]]));
        return temporalMemoryRead(s2, tf.tensor1d([2, 0], 'int32'));
      }, (r) => close([...r.probs.dataSync(), ...r.seen.dataSync()], [0.5, 0.5, 0, 0, 1, 0])),
    },
    {
      // no samples: every metric is undefined, reported as NaN (never as a number such as 0)
      id: 'api/classificationReport/no-samples', group: 'api', via: 'api',
      run: () => judgeApiOk(() => classificationReport([], [], 2), (r) => (r.numSamples === 0 && [r.accuracy, r.balancedAccuracy, r.rocAuc].every(Number.isNaN) ? undefined : JSON.stringify(r))),
    },
    {
      id: 'api/classificationReport/ok', group: 'api', via: 'api',
      run: () => judgeApiOk(() => classificationReport([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], 2), (r) => close([r.accuracy, r.balancedAccuracy], [2 / 3, 0.75])),
    },
  );
  return cases;
}
