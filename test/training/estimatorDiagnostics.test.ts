import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { LOSS_ESTIMATE_CANDIDATES } from '../../src/math/estimators';
import { estimatorDiagnostics, heldOutEstimatorDiagnostics } from '../../src/training/estimatorDiagnostics';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { trainerOptions } from './fixtures';
import { expectNoLeak } from '../helpers/tensors';

// Four samples, 2 classes. Hidden labels [0, 1, 0, 1]; pseudo labels = argmax p = [0, 0, 1, 1] → wrong = [F, T, T, F].
const P = [[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8]];
const HIDDEN = [0, 1, 0, 1];
const PSEUDO = [0, 0, 1, 1];

describe('estimatorDiagnostics', () => {
  it('scores the naive baseline against hand-computed Spearman and AUROC', async () => {
    const out = await expectNoLeak(async () => {
      const studentProbs = tf.tensor2d(P);
      const r = await estimatorDiagnostics({ studentProbs, hidden: HIDDEN, pseudo: PSEUDO, numClasses: 2 });
      tf.dispose([studentProbs]);
      return r;
    });
    // naive 1 − max p = [.1, .4, .3, .2]; true loss −log p_y = [−log .9, −log .4, −log .3, −log .8] → ranks [1, 3, 4, 2] vs [1, 4, 3, 2]
    // ρ = 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/60 = 0.8. AUROC: wrong scores {.4, .3} vs right {.1, .2}: all 4 pairs ordered → 1.
    expect(out.naiveSpearman).toBeCloseTo(0.8, 10);
    expect(out.naiveAuroc).toBe(1);
    expect(Object.keys(out).sort()).toEqual(['naiveAuroc', 'naiveSpearman']);
  });

  it('adds the AdaPL estimate and every candidate when a reference is given', async () => {
    await expectNoLeak(async () => {
      const studentProbs = tf.tensor2d(P);
      const referenceProbs = tf.tensor2d([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]]);
      const estimates = tf.tensor1d([0, 2, 3, 1]); // ranks [1, 3, 4, 2] = the true loss's ranks
      const out = await estimatorDiagnostics({ studentProbs, referenceProbs, estimates, hidden: HIDDEN, pseudo: PSEUDO, numClasses: 2 });
      expect(out.estimateSpearman).toBeCloseTo(1, 10);
      expect(out.estimateAuroc).toBe(1);
      for (const name of LOSS_ESTIMATE_CANDIDATES) {
        expect(Number.isFinite(out[`candidate.${name}.spearman`]), name).toBe(true);
        expect(out[`candidate.${name}.auroc`]).toBeGreaterThanOrEqual(0);
      }
      expect(out['candidate.naive.spearman']).toBeCloseTo(out.naiveSpearman, 12);
      // referenceOnLabel = 1 − p̃[argmax p] = [.2, .7, .6, .1]: wrong {.7, .6} above right {.2, .1} → AUROC 1.
      expect(out['candidate.referenceOnLabel.auroc']).toBe(1);
      tf.dispose([studentProbs, referenceProbs, estimates]);
    });
  });
});

describe('heldOutEstimatorDiagnostics', () => {
  const REFERENCE = [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]];
  const split = { studentProbs: P.flat(), referenceProbs: REFERENCE.flat(), labels: HIDDEN };

  it('uses the labels as hidden labels and the student argmax as pseudo labels (same numbers as the batch version)', async () => {
    const out = await expectNoLeak(() => heldOutEstimatorDiagnostics({ test: split }, 2));
    expect(out.validation).toBeUndefined();
    const test = out.test as Record<string, number>;
    // The hand-computed naive scores of the first test: argmax of P is PSEUDO.
    expect(test.naiveSpearman).toBeCloseTo(0.8, 10);
    expect(test.naiveAuroc).toBe(1);
    expect(test['candidate.referenceOnLabel.auroc']).toBe(1);
    const studentProbs = tf.tensor2d(P);
    const referenceProbs = tf.tensor2d(REFERENCE);
    const batch = await estimatorDiagnostics({ studentProbs, referenceProbs, hidden: HIDDEN, pseudo: PSEUDO, numClasses: 2 });
    tf.dispose([studentProbs, referenceProbs]);
    expect(test).toEqual(batch);
    // no calibrated combination without a validation split
    expect(test['candidate.calibrated.auroc']).toBeUndefined();
  });

  it('takes the first maximum as the argmax on ties', async () => {
    // Student ties on sample 0 → pseudo 0 = its label, so the only wrong label is sample 1 (pseudo 0, label 1).
    const out = await heldOutEstimatorDiagnostics({ test: { studentProbs: [0.5, 0.5, 0.7, 0.3], referenceProbs: [0.5, 0.5, 0.5, 0.5], labels: [0, 1] } }, 2);
    // naive = [.5, .3]: the wrong sample scores lower than the right one → AUROC 0.
    expect(out.test?.naiveAuroc).toBe(0);
  });

  it('fits the calibrated combination on validation only: out-of-fold there, and test labels never enter it', async () => {
    // 40 validation samples from a 3-class model; test = the same probabilities with other labels
    const rng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const r = rng(3);
    const n = 40;
    const rows = (): number[] => Array.from({ length: n }, () => { const a = [r() + 0.1, r() + 0.1, r() * 3 + 0.1]; const s = a[0] + a[1] + a[2]; return a.map((v) => v / s); }).flat();
    const studentProbs = rows();
    const referenceProbs = rows();
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const validation = { studentProbs, referenceProbs, labels };
    const out = await expectNoLeak(() => heldOutEstimatorDiagnostics({ validation, test: validation }, 3));
    const v = out.validation as Record<string, number>;
    const t = out.test as Record<string, number>;
    for (const key of ['candidate.calibrated.spearman', 'candidate.calibrated.auroc']) {
      expect(Number.isFinite(v[key]), key).toBe(true);
      expect(Number.isFinite(t[key]), key).toBe(true);
    }
    // in-sample (test = validation) the full fit ranks at least as well as out-of-fold scores, typically better
    expect(t['candidate.calibrated.auroc']).toBeGreaterThanOrEqual(v['candidate.calibrated.auroc'] - 1e-12);
    // other test labels change the test numbers but not the fitted combination's validation numbers
    const other = await heldOutEstimatorDiagnostics({ validation, test: { ...validation, labels: labels.map((y) => (y + 1) % 3) } }, 3);
    expect(other.validation).toEqual(v);
    expect(other.test?.['candidate.calibrated.auroc']).not.toBe(t['candidate.calibrated.auroc']);
  });

  it('skips the combination when every validation label is right (nothing to fit)', async () => {
    const out = await heldOutEstimatorDiagnostics({ validation: { studentProbs: [0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.4, 0.6], referenceProbs: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], labels: [0, 0, 1, 1] } }, 2);
    expect(out.validation?.['candidate.calibrated.auroc']).toBeUndefined();
    expect(out.validation?.naiveSpearman).toBeDefined();
  });

  it('rejects probabilities whose length is not labels × classes, naming the split and both arrays', async () => {
    await expect(heldOutEstimatorDiagnostics({ test: { studentProbs: [0.5, 0.5], referenceProbs: [0.5, 0.5, 0.5, 0.5], labels: [0, 1] } }, 2))
      .rejects.toThrow(/test studentProbs \(2\).*2 × 2 = 4/);
    await expect(heldOutEstimatorDiagnostics({ validation: { studentProbs: [0.5, 0.5, 0.5, 0.5], referenceProbs: [0.5], labels: [0, 1] } }, 2))
      .rejects.toThrow(/validation .*referenceProbs \(1\)/);
  });
});

describe("AdaPL's estimator option in the trainer", () => {
  // The estimate AdaPL uses ranks samples exactly as the candidate it is, so its Spearman ρ equals that
  // candidate's on every step: which estimator fed AdaPL is visible in the logs.
  for (const [estimator, candidate] of [['temporal', 'kl+entropy'], ['ensemble', 'ensemble'], ['confidence', 'naive']] as const) {
    it(`adapl.estimator '${estimator}' feeds AdaPL the '${candidate}' score`, async () => {
      const options = trainerOptions({ config: { method: 'adapl', threshold: 0, adapl: { estimator } } }, true);
      const trainer = await SemiSupervisedTrainer.create(options);
      try {
        for (let k = 0; k < 3; k++) {
          const logs = await trainer.trainStep();
          expect(logs.estimateSpearman, `step ${k}`).toBeCloseTo(logs[`candidate.${candidate}.spearman`] as number, 6);
        }
      } finally {
        trainer.dispose();
        (options.model as tf.LayersModel).dispose();
      }
    });
  }

  it("rejects an unknown estimator, naming 'adapl.estimator'", async () => {
    const options = trainerOptions({ config: { method: 'adapl', adapl: { estimator: 'best' as never } } });
    await expect(SemiSupervisedTrainer.create(options)).rejects.toThrow(/adapl\.estimator/);
    (options.model as tf.LayersModel).dispose();
  });
});
