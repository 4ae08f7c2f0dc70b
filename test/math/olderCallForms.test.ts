import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adaplWeights } from '../../src/math/adaplWeights';
import { clusterPrototypes } from '../../src/math/clusterPrototypes';
import { debiasProbabilities, marginalAdjustedLogits } from '../../src/math/debiasPseudoLabels';
import { lossEstimateCandidates } from '../../src/math/estimators';
import { fixmatchLoss, maskedUnlabeledLoss } from '../../src/math/fixmatchLoss';
import { iphLoss } from '../../src/math/iphLoss';
import { kmeans } from '../../src/math/kmeans';
import { estimateUnlabeledLoss } from '../../src/math/lossEstimator';
import { matchPrototypes } from '../../src/math/matchPrototypes';
import { confidenceMask } from '../../src/math/pseudoLabels';
import { relaxPseudoLabels } from '../../src/math/relaxPseudoLabels';
import { softCrossEntropy } from '../../src/math/softCrossEntropy';
import { maxProbabilityUncertainty, temporalEnsembleUncertainty } from '../../src/math/uncertaintyScores';
import { TearArgumentError } from '../../src/util/checks';

/**
 * Issue 22, point 4: every exported function whose signature changed (CHANGELOG "Changed": loss functions
 * take fn(inputs, options); git log -p of src/math and src/state, commit ee6e6c0) answers a call in its
 * older form with the current form, not with "argument 'x' must be a tf.Tensor, got undefined".
 * `alignDistribution` only gained an optional argument: its older calls still work. The second group is
 * issue 18's one convention for the math API (CHANGELOG "Breaking"): `fn(inputs, options)` everywhere.
 */

const probs = (): tf.Tensor2D => tf.tensor2d([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]);
const logits = (): tf.Tensor2D => tf.tensor2d([[1, 0, 0], [0, 0, 2]]);

/** The error `call` throws, after checking that it throws one and leaks no tensor. */
function thrown(call: () => unknown): Error {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(tf.memory().numTensors).toBe(before);
  expect(error).toBeInstanceOf(TearArgumentError);
  return error as Error;
}

const older = <T extends (...args: never[]) => unknown>(fn: T) => fn as unknown as (...args: unknown[]) => tf.TensorContainer;

describe('calls in an older form name the current form', () => {
  it('estimateUnlabeledLoss(referenceProbs, studentProbs, options)', () => {
    const e = thrown(() => tf.tidy(() => older(estimateUnlabeledLoss)(probs(), probs(), { distance: 'kl' })));
    expect(e.message).toBe('tear-ssl.estimateUnlabeledLoss: called with tensors as positional arguments (the older form); ' +
      'pass an object: estimateUnlabeledLoss({ referenceProbs, studentProbs }, { distance, entropy })');
  });

  it('softCrossEntropy(targets, logits, { weights, reduction })', () => {
    const e = thrown(() => tf.tidy(() => older(softCrossEntropy)(probs(), logits(), { weights: tf.ones([2]), reduction: 'sum' })));
    expect(e.message).toBe('tear-ssl.softCrossEntropy: called with tensors as positional arguments (the older form); ' +
      'pass an object: softCrossEntropy({ targets, logits, weights }, { reduction })');
  });

  it('maskedUnlabeledLoss(targets, strongLogits, mask)', () => {
    const e = thrown(() => tf.tidy(() => older(maskedUnlabeledLoss)(probs(), logits(), tf.ones([2]))));
    expect(e.message).toBe('tear-ssl.maskedUnlabeledLoss: called with tensors as positional arguments (the older form); ' +
      'pass an object: maskedUnlabeledLoss({ targets, strongLogits, mask }, { reduction })');
  });

  it('fixmatchLoss({ weakProbs, strongLogits, threshold }): the threshold moved to the options (it would be ignored silently)', () => {
    const e = thrown(() => tf.tidy(() => older(fixmatchLoss)({ weakProbs: probs(), strongLogits: logits(), threshold: 0.5 })));
    expect(e.message).toBe('tear-ssl.fixmatchLoss: \'threshold\' given with the tensors (the older form); ' +
      'pass it as an option: fixmatchLoss({ weakProbs, strongLogits }, { threshold })');
  });

  const positional = (fn: string, form: string) =>
    `tear-ssl.${fn}: called with tensors as positional arguments (the older form); pass an object: ${form}`;
  const labels = (): tf.Tensor1D => tf.tensor1d([0, 2], 'int32');

  // issue 18: each function whose signature changed to fn(inputs, options), called as before
  const cases: Array<[string, () => unknown, string]> = [
    ['confidenceMask(probs, threshold)', () => older(confidenceMask)(probs(), 0.9),
      positional('confidenceMask', 'confidenceMask({ probs }, { threshold })')],
    ['adaplWeights(estimates, { gamma, wMin })', () => older(adaplWeights)(tf.tensor1d([0.1, 2]), { gamma: 1 }),
      positional('adaplWeights', 'adaplWeights({ estimates }, { gamma, wMin })')],
    ['relaxPseudoLabels(pseudoLabels, weights, numClasses, { spread, referenceProbs })',
      () => older(relaxPseudoLabels)(labels(), tf.tensor1d([0.8, 0.9]), 3, { spread: 'reference', referenceProbs: probs() }),
      positional('relaxPseudoLabels', 'relaxPseudoLabels({ pseudoLabels, weights, referenceProbs }, { numClasses, spread })')],
    ['maxProbabilityUncertainty(probs)', () => older(maxProbabilityUncertainty)(probs()),
      positional('maxProbabilityUncertainty', 'maxProbabilityUncertainty({ probs })')],
    ['temporalEnsembleUncertainty(referenceProbs, studentProbs, { referenceWeight })',
      () => older(temporalEnsembleUncertainty)(probs(), probs(), { referenceWeight: 0.5 }),
      positional('temporalEnsembleUncertainty', 'temporalEnsembleUncertainty({ referenceProbs, studentProbs }, { referenceWeight })')],
    ['lossEstimateCandidates(referenceProbs, studentProbs)', () => older(lossEstimateCandidates)(probs(), probs()),
      positional('lossEstimateCandidates', 'lossEstimateCandidates({ referenceProbs, studentProbs })')],
    ['debiasProbabilities(probs, marginal, { lambda })', () => older(debiasProbabilities)(probs(), tf.tensor1d([0.2, 0.3, 0.5]), { lambda: 1 }),
      positional('debiasProbabilities', 'debiasProbabilities({ probs, marginal }, { lambda })')],
    ['marginalAdjustedLogits(logits, marginal, { lambda })', () => older(marginalAdjustedLogits)(logits(), tf.tensor1d([0.2, 0.3, 0.5]), { lambda: 1 }),
      positional('marginalAdjustedLogits', 'marginalAdjustedLogits({ logits, marginal }, { lambda })')],
    ['kmeans(x, k, options)', () => older(kmeans)(logits(), 2, { seed: 1 }),
      positional('kmeans', 'kmeans({ x }, { k, seed, restarts, maxIterations, tolerance, engine })')],
    ['clusterPrototypes(features, assignments, k)', () => older(clusterPrototypes)(logits(), labels(), 3),
      positional('clusterPrototypes', 'clusterPrototypes({ features, assignments }, { k })')],
    ['matchPrototypes(student, reference, studentCounts, referenceCounts)',
      () => older(matchPrototypes)(logits(), logits(), tf.tensor1d([1, 1]), tf.tensor1d([1, 1])),
      positional('matchPrototypes', 'matchPrototypes({ student, reference, studentCounts, referenceCounts })')],
    ['iphLoss(inputs) without its required options', () => older(iphLoss)({ studentFeatures: logits(), referenceFeatures: logits() }),
      "tear-ssl.iphLoss: option 'numClusters' is required: " +
      'iphLoss({ studentFeatures, referenceFeatures, referenceAssignments }, { numClusters, reference, seed, kmeans })'],
    ['kmeans({ x }) without its required options', () => older(kmeans)({ x: logits() }),
      "tear-ssl.kmeans: argument 'options' is required: kmeans({ x }, { k, seed, restarts, maxIterations, tolerance, engine })"],
    ['relaxPseudoLabels({ pseudoLabels, weights }) without its required options', () => older(relaxPseudoLabels)({ pseudoLabels: labels(), weights: tf.tensor1d([0.8, 0.9]) }),
      "tear-ssl.relaxPseudoLabels: argument 'options' is required: " +
      'relaxPseudoLabels({ pseudoLabels, weights, referenceProbs }, { numClasses, spread })'],
  ];
  for (const [form, call, message] of cases) {
    it(`${form} (issue 18)`, () => {
      const e = thrown(() => tf.tidy(() => call() as tf.TensorContainer));
      expect(e.message).toBe(message);
    });
  }

  it('the current forms still work, and give what they gave', () => {
    tf.tidy(() => {
      const [q, z] = [probs(), logits()];
      expect(estimateUnlabeledLoss({ referenceProbs: q, studentProbs: q }).shape).toEqual([2]);
      expect(softCrossEntropy({ targets: q, logits: z }, { reduction: 'sum' }).shape).toEqual([]);
      expect(maskedUnlabeledLoss({ targets: q, strongLogits: z, mask: tf.ones([2]) }).shape).toEqual([]);
      const { mask } = fixmatchLoss({ weakProbs: q, strongLogits: z }, { threshold: 0.75 });
      expect(Array.from(mask.dataSync())).toEqual([0, 1]);
      expect(Array.from(confidenceMask({ probs: q }, { threshold: 0.75 }).dataSync())).toEqual([0, 1]);
      expect(adaplWeights({ estimates: tf.tensor1d([0]) }).dataSync()[0]).toBe(1);
      expect(Array.from(relaxPseudoLabels({ pseudoLabels: tf.tensor1d([2], 'int32'), weights: tf.tensor1d([0.5]) }, { numClasses: 3 }).dataSync()))
        .toEqual([0.25, 0.25, 0.5]);
      expect(kmeans({ x: z }, { k: 2, seed: 1 }).inertia).toBe(0);
      expect(clusterPrototypes({ features: z, assignments: tf.tensor1d([0, 1], 'int32') }, { k: 2 }).counts.shape).toEqual([2]);
    });
  });
});
