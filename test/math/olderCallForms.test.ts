import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fixmatchLoss, maskedUnlabeledLoss } from '../../src/math/fixmatchLoss';
import { estimateUnlabeledLoss } from '../../src/math/lossEstimator';
import { softCrossEntropy } from '../../src/math/softCrossEntropy';
import { TearArgumentError } from '../../src/util/checks';

/**
 * Issue 22, point 4: every exported function whose signature changed (CHANGELOG "Changed": loss functions
 * take fn(inputs, options); git log -p of src/math and src/state, commit ee6e6c0) answers a call in its
 * older form with the current form, not with "argument 'x' must be a tf.Tensor, got undefined".
 * `alignDistribution` only gained an optional argument: its older calls still work.
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
      'pass an object: maskedUnlabeledLoss({ targets, strongLogits, mask })');
  });

  it('fixmatchLoss({ weakProbs, strongLogits, threshold }): the threshold moved to the options (it would be ignored silently)', () => {
    const e = thrown(() => tf.tidy(() => older(fixmatchLoss)({ weakProbs: probs(), strongLogits: logits(), threshold: 0.5 })));
    expect(e.message).toBe('tear-ssl.fixmatchLoss: \'threshold\' given with the tensors (the older form); ' +
      'pass it as an option: fixmatchLoss({ weakProbs, strongLogits }, { threshold })');
  });

  it('the current forms still work, and give what they gave', () => {
    tf.tidy(() => {
      const [q, z] = [probs(), logits()];
      expect(estimateUnlabeledLoss({ referenceProbs: q, studentProbs: q }).shape).toEqual([2]);
      expect(softCrossEntropy({ targets: q, logits: z }, { reduction: 'sum' }).shape).toEqual([]);
      expect(maskedUnlabeledLoss({ targets: q, strongLogits: z, mask: tf.ones([2]) }).shape).toEqual([]);
      const { mask } = fixmatchLoss({ weakProbs: q, strongLogits: z }, { threshold: 0.75 });
      expect(Array.from(mask.dataSync())).toEqual([0, 1]);
    });
  });
});
