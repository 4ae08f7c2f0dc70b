import * as tf from '@tensorflow/tfjs';
import { LOSS_ESTIMATE_CANDIDATES, lossEstimateCandidates } from '../math/estimators';
import { maxProbabilityUncertainty } from '../math/uncertaintyScores';
import { estimatorQuality } from '../metrics/estimatorQuality';
import type { NumberArray } from '../metrics/labelChecks';
import { argmaxRows } from '../metrics/probabilityRows';
import { trueLabelLosses } from '../metrics/sslDiagnostics';
import { crossFittedLogisticScores } from '../metrics/crossFittedScores';
import { fitLogisticRegression, logisticScores } from '../metrics/logisticRegression';

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
    const scores: Record<string, tf.Tensor1D> = { naive: maxProbabilityUncertainty({ probs: studentProbs }) };
    owned.push(scores.naive);
    if (estimates) scores.estimate = estimates;
    if (referenceProbs) {
      const candidates = lossEstimateCandidates({ referenceProbs, studentProbs });
      owned.push(...Object.values(candidates));
      for (const name of LOSS_ESTIMATE_CANDIDATES) scores[`candidate.${name}`] = candidates[name];
    }
    const names = Object.keys(scores);
    const [probs, ...values] = await Promise.all([studentProbs.data(), ...names.map((n) => scores[n].data())]);
    return scoreQuality(Object.fromEntries(names.map((n, i) => [n, values[i]])), probs, hidden, pseudo, numClasses);
  } finally {
    tf.dispose(owned);
  }
}

/**
 * Spearman ρ with the true loss −log p_y (from `studentProbs`, flat [N·C]) and AUROC for wrong pseudo
 * labels of each host score [N]; keys as in {@link estimatorDiagnostics} (`candidate.<name>.spearman` or
 * `<name>Spearman`).
 */
function scoreQuality(
  scores: Record<string, NumberArray>, studentProbs: NumberArray, hidden: NumberArray, pseudo: NumberArray, numClasses: number,
): Record<string, number> {
  const actual = trueLabelLosses(studentProbs, hidden, numClasses);
  const wrong = Array.from(pseudo, (p, i) => p !== hidden[i]);
  const out: Record<string, number> = {};
  for (const [name, values] of Object.entries(scores)) {
    const q = estimatorQuality(values, actual, wrong);
    const [spearmanKey, aurocKey] = name.startsWith('candidate.') ? [`${name}.spearman`, `${name}.auroc`] : [`${name}Spearman`, `${name}Auroc`];
    out[spearmanKey] = q.spearman;
    out[aurocKey] = q.auroc;
  }
  return out;
}

/** One labeled held-out split for {@link heldOutEstimatorDiagnostics}: flat row-major [N·C] probabilities and [N] labels. */
export interface HeldOutSplit {
  /** The student's probabilities p. */
  studentProbs: NumberArray;
  /** The reference model's (the EMA teacher's) probabilities p̃. */
  referenceProbs: NumberArray;
  labels: NumberArray;
}

/**
 * {@link estimatorDiagnostics} on labeled held-out splits (validation, test) instead of unlabeled batches:
 * the student's probabilities play p, the reference model's play p̃, the labels play the hidden labels
 * and the pseudo label is the student's argmax (first maximum on ties). Every
 * {@link LOSS_ESTIMATE_CANDIDATES} name is scored, plus, when a validation split is given,
 * `candidate.calibrated`: a logistic regression of "argmax is wrong" on all candidate scores, fitted on
 * validation ({@link fitLogisticRegression}, standardised features, λ = 10⁻²). Its validation numbers are
 * out-of-fold (two folds, {@link crossFittedLogisticScores}); its test numbers come from the fit on the
 * whole validation split. Used to choose a loss estimator on validation and report it on test
 * (docs/method.md). Returns one record per split given (no `estimate*` keys).
 */
export async function heldOutEstimatorDiagnostics(
  splits: { validation?: HeldOutSplit; test?: HeldOutSplit }, numClasses: number,
): Promise<{ validation?: Record<string, number>; test?: Record<string, number> }> {
  const prepared: Partial<Record<'validation' | 'test', { split: HeldOutSplit; pseudo: number[]; features: Float64Array[]; scores: Record<string, NumberArray> }>> = {};
  for (const name of ['validation', 'test'] as const) {
    const split = splits[name];
    if (split === undefined) continue;
    const n = split.labels.length;
    if (split.studentProbs.length !== n * numClasses || split.referenceProbs.length !== n * numClasses) {
      throw new Error(`heldOutEstimatorDiagnostics: ${name} studentProbs (${split.studentProbs.length}) and referenceProbs (${split.referenceProbs.length}) ` +
        `must hold labels.length × numClasses = ${n} × ${numClasses} = ${n * numClasses} values`);
    }
    const pseudo = argmaxRows(split.studentProbs, n, numClasses);
    const scores = await candidateScores(split, n, numClasses);
    const columns = LOSS_ESTIMATE_CANDIDATES.map((c) => scores[`candidate.${c}`]);
    const features = Array.from({ length: n }, (_, i) => Float64Array.from(columns, (col) => col[i]));
    prepared[name] = { split, pseudo, features, scores };
  }
  const validation = prepared.validation;
  if (validation !== undefined && validation.features.length >= 4) {
    const wrong = Array.from(validation.pseudo, (p, i) => (p !== validation.split.labels[i] ? 1 : 0));
    const usable = validation.features.every((row) => row.every(Number.isFinite));
    if (usable && wrong.some((w) => w === 1) && wrong.some((w) => w === 0)) {
      validation.scores['candidate.calibrated'] = crossFittedLogisticScores(validation.features, wrong, 2, { l2: CALIBRATION_L2 });
      const test = prepared.test;
      if (test !== undefined && test.features.every((row) => row.every(Number.isFinite))) {
        test.scores['candidate.calibrated'] = logisticScores(fitLogisticRegression(validation.features, wrong, { l2: CALIBRATION_L2 }), test.features);
      }
    }
  }
  const out: { validation?: Record<string, number>; test?: Record<string, number> } = {};
  for (const name of ['validation', 'test'] as const) {
    const p = prepared[name];
    if (p !== undefined) out[name] = scoreQuality(p.scores, p.split.studentProbs, p.split.labels, p.pseudo, numClasses);
  }
  return out;
}

/** Ridge penalty of the calibrated combination (on standardised features). */
const CALIBRATION_L2 = 1e-2;

/** `naive` and every `candidate.<name>` score of a split on the host. */
async function candidateScores(split: HeldOutSplit, n: number, numClasses: number): Promise<Record<string, NumberArray>> {
  const student = tf.tensor2d(Float32Array.from(split.studentProbs), [n, numClasses]);
  const reference = tf.tensor2d(Float32Array.from(split.referenceProbs), [n, numClasses]);
  const candidates = lossEstimateCandidates({ referenceProbs: reference, studentProbs: student });
  try {
    const names = [...LOSS_ESTIMATE_CANDIDATES];
    const values = await Promise.all(names.map((c) => candidates[c].data()));
    return { naive: values[names.indexOf('naive')], ...Object.fromEntries(names.map((c, i) => [`candidate.${c}`, values[i]])) };
  } finally {
    tf.dispose([student, reference, ...Object.values(candidates)]);
  }
}
