import * as tf from '@tensorflow/tfjs';
import { LOSS_ESTIMATE_CANDIDATES, lossEstimateCandidates } from '../math/lossEstimateCandidates';
import { maxProbabilityUncertainty } from '../math/uncertaintyScores';
import { estimatorQuality } from '../metrics/estimatorQuality';
import type { NumberArray } from '../metrics/labelChecks';
import { trueLabelLosses } from '../metrics/sslDiagnostics';

/** What {@link estimatorDiagnostics} reads; tensors are borrowed, not disposed. */
export interface EstimatorDiagnosticsInputs {
  /** Student probabilities on weak(u) before alignment, [U,C]. */
  studentProbs: tf.Tensor2D;
  /** Reference p̃ on weak(u), [U,C]; absent when the method computes none (then only 'naive' is scored). */
  referenceProbs?: tf.Tensor2D;
  /** The loss estimate AdaPL used this step, [U] (methods with AdaPL). */
  estimates?: tf.Tensor1D;
  /** Hidden true labels of the unlabeled batch on the host, [U]. */
  hidden: NumberArray;
  /** Pseudo labels on the host, [U]. */
  pseudo: NumberArray;
  numClasses: number;
}

/**
 * Hidden-label diagnostics of loss estimators, never feeding the loss: for each score s, Spearman's ρ
 * with the true per-sample loss −log p_y (student, weak view) and the AUROC of s for wrong pseudo labels.
 * Keys: `estimateSpearman`/`estimateAuroc` (the estimate AdaPL used), `naiveSpearman`/`naiveAuroc`
 * (1 − max p), and with a reference `candidate.<name>.spearman`/`.auroc` for every
 * {@link LOSS_ESTIMATE_CANDIDATES} name.
 */
export async function estimatorDiagnostics(inputs: EstimatorDiagnosticsInputs): Promise<Record<string, number>> {
  const { studentProbs, referenceProbs, estimates, hidden, pseudo, numClasses } = inputs;
  const owned: tf.Tensor[] = [];
  try {
    const scores: Record<string, tf.Tensor1D> = { naive: maxProbabilityUncertainty(studentProbs) };
    owned.push(scores.naive);
    if (estimates) scores.estimate = estimates;
    if (referenceProbs) {
      const candidates = lossEstimateCandidates(referenceProbs, studentProbs);
      owned.push(...Object.values(candidates));
      for (const name of LOSS_ESTIMATE_CANDIDATES) scores[`candidate.${name}`] = candidates[name];
    }
    const names = Object.keys(scores);
    const [probs, ...values] = await Promise.all([studentProbs.data(), ...names.map((n) => scores[n].data())]);
    const actual = trueLabelLosses(probs, hidden, numClasses);
    const wrong = Array.from(pseudo, (p, i) => p !== hidden[i]);
    const out: Record<string, number> = {};
    names.forEach((name, i) => {
      const q = estimatorQuality(values[i] as Float32Array, actual, wrong);
      const [spearmanKey, aurocKey] = name.startsWith('candidate.') ? [`${name}.spearman`, `${name}.auroc`] : [`${name}Spearman`, `${name}Auroc`];
      out[spearmanKey] = q.spearman;
      out[aurocKey] = q.auroc;
    });
    return out;
  } finally {
    tf.dispose(owned);
  }
}

/**
 * {@link estimatorDiagnostics} on a labeled held-out split (validation or test) instead of an unlabeled
 * batch: the student's probabilities play p, a reference model's (the EMA teacher's) play p̃, the split's
 * labels play the hidden labels, and the pseudo label is the student's argmax. Used to choose a loss
 * estimator on the validation split and report it on test (docs/method.md). Inputs are flat row-major
 * [N·C] host arrays; returns the same keys as {@link estimatorDiagnostics} (no `estimate*`).
 */
export async function heldOutEstimatorDiagnostics(
  studentProbs: NumberArray, referenceProbs: NumberArray, labels: NumberArray, numClasses: number,
): Promise<Record<string, number>> {
  const n = labels.length;
  if (studentProbs.length !== n * numClasses || referenceProbs.length !== n * numClasses) {
    throw new Error(`heldOutEstimatorDiagnostics: studentProbs (${studentProbs.length}) and referenceProbs (${referenceProbs.length}) must hold ` +
      `labels.length × numClasses = ${n} × ${numClasses} = ${n * numClasses} values`);
  }
  const pseudo = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (studentProbs[i * numClasses + c] > studentProbs[i * numClasses + best]) best = c;
    pseudo[i] = best;
  }
  const student = tf.tensor2d(Float32Array.from(studentProbs), [n, numClasses]);
  const reference = tf.tensor2d(Float32Array.from(referenceProbs), [n, numClasses]);
  try {
    return await estimatorDiagnostics({ studentProbs: student, referenceProbs: reference, hidden: labels, pseudo, numClasses });
  } finally {
    tf.dispose([student, reference]);
  }
}
