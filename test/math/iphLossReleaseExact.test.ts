import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { iphLossReleaseExact, type IphReleaseExactArgs } from '../../src/math/iphLossReleaseExact';
import { expectClose, expectNoLeak } from '../helpers/tensors';

type Matrix = number[][];
interface FixtureInputs {
  studentLabeledFeatures: Matrix; studentUnlabeledFeatures: Matrix; referenceLabeledFeatures: Matrix; referenceUnlabeledFeatures: Matrix;
  studentLabeledProbs: Matrix; studentUnlabeledProbs: Matrix; referenceLabeledProbs: Matrix; referenceUnlabeledProbs: Matrix;
  studentAssignments: number[];
}
interface FixtureCase {
  name: string;
  inputs: FixtureInputs;
  expected: { loss: number; numeratorClasses: number[]; denominatorClasses: number[]; studentLabeledFeaturesGrad: Matrix; studentUnlabeledFeaturesGrad: Matrix };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/iph_release/iph_release.json', import.meta.url), 'utf8')) as { threshold: number; cases: FixtureCase[] };

function tensors(inputs: Omit<FixtureInputs, 'studentAssignments'> & { studentAssignments?: number[] }): IphReleaseExactArgs {
  const m = (rows: Matrix, like: Matrix = rows) => tf.tensor2d(rows, [rows.length, like[0]?.length ?? 0]);
  return {
    studentLabeledFeatures: m(inputs.studentLabeledFeatures),
    studentUnlabeledFeatures: m(inputs.studentUnlabeledFeatures),
    referenceLabeledFeatures: m(inputs.referenceLabeledFeatures),
    referenceUnlabeledFeatures: m(inputs.referenceUnlabeledFeatures),
    studentLabeledProbs: m(inputs.studentLabeledProbs),
    studentUnlabeledProbs: m(inputs.studentUnlabeledProbs),
    referenceLabeledProbs: m(inputs.referenceLabeledProbs),
    referenceUnlabeledProbs: m(inputs.referenceUnlabeledProbs),
    studentAssignments: inputs.studentAssignments && tf.tensor1d(inputs.studentAssignments, 'int32'),
  };
}

const disposeArgs = (t: IphReleaseExactArgs) => tf.dispose(Object.values(t).filter((v) => v !== undefined) as tf.Tensor[]);

function lossOf(inputs: FixtureInputs) {
  const t = tensors(inputs);
  try {
    const r = iphLossReleaseExact(t);
    const out = { loss: r.loss.dataSync()[0], numerator: r.numeratorClasses, denominator: r.denominatorClasses };
    tf.dispose([r.loss, r.assignments]);
    return out;
  } finally {
    disposeArgs(t);
  }
}

describe('iphLossReleaseExact', () => {
  it('defaults to the release threshold 0.8, and the threshold changes the std gate', async () => {
    expect(fixture.threshold).toBe(0.8);
    await expectNoLeak(() => {
      const run = (c: FixtureCase, threshold?: number) => {
        const t = tensors(c.inputs);
        const r = iphLossReleaseExact(t, threshold === undefined ? {} : { threshold });
        const out = { loss: r.loss.dataSync()[0], numerator: r.numeratorClasses, denominator: r.denominatorClasses };
        tf.dispose([r.loss, r.assignments]);
        disposeArgs(t);
        return out;
      };
      let changed = 0;
      for (const c of fixture.cases) {
        expect(run(c)).toEqual(run(c, 0.8));
        if (JSON.stringify(run(c, 0)) !== JSON.stringify(run(c, 0.8))) changed++;
      }
      expect(changed, 'no fixture case depends on the threshold').toBeGreaterThan(0);
    });
  });

  for (const c of fixture.cases) {
    it(`matches the PyTorch fixture: ${c.name} (loss, classes, gradient)`, async () => {
      await expectNoLeak(() => {
        const t = tensors(c.inputs);
        const r = iphLossReleaseExact(t);
        expect(r.loss.dataSync()[0]).toBeCloseTo(c.expected.loss, 5);
        expect(r.numeratorClasses).toEqual(c.expected.numeratorClasses);
        expect(r.denominatorClasses).toEqual(c.expected.denominatorClasses);
        expect(Array.from(r.assignments.dataSync())).toEqual(c.inputs.studentAssignments);
        const [gl, gu] = tf.grads((l: tf.Tensor, u: tf.Tensor) =>
          iphLossReleaseExact({ ...t, studentLabeledFeatures: l as tf.Tensor2D, studentUnlabeledFeatures: u as tf.Tensor2D }).loss,
        )([t.studentLabeledFeatures, t.studentUnlabeledFeatures]);
        expectClose(gl.dataSync(), c.expected.studentLabeledFeaturesGrad.flat(), 1e-5, 1e-4);
        expectClose(gu.dataSync(), c.expected.studentUnlabeledFeaturesGrad.flat(), 1e-5, 1e-4);
        tf.dispose([r.loss, r.assignments, gl, gu]);
        disposeArgs(t);
      });
    });
  }

  it('applies unlabeled cluster positions to the joint rows and compares cluster k with class k (hand case)', async () => {
    await expectNoLeak(() => {
      const sure = (k: number) => (k === 0 ? [0.9, 0.1] : [0.1, 0.9]);
      const inputs: FixtureInputs = {
        studentLabeledFeatures: [[1, 0]],
        studentUnlabeledFeatures: [[0, 1], [5, 5]],
        referenceLabeledFeatures: [[0, 2]],
        referenceUnlabeledFeatures: [[2, 0], [2, 0]],
        studentLabeledProbs: [sure(0)],
        studentUnlabeledProbs: [sure(0), sure(1)],
        referenceLabeledProbs: [sure(0)],
        referenceUnlabeledProbs: [sure(1), sure(1)],
        studentAssignments: [0, 1],
      };
      // P0 = joint row 0 = the labeled (1,0); P1 = joint row 1 = (0,1); the row (5,5) is never used.
      // P̃0 = (0,2), P̃1 = (2,0). Every group has one row, so every spread is 0.01 and no class is gated out.
      // Both cosines are 0: L = (1 + 1) / 2 = 1.
      const r = lossOf(inputs);
      expect(r.numerator).toEqual([0, 1]);
      expect(r.denominator).toEqual([0, 1]);
      expect(r.loss).toBeCloseTo(1, 6);
      // The fixed IPH matches cluster 0 with class 1 whatever the ids; the release has no matching step, so
      // swapping the ids changes its loss: L = 1 − 2 / (2 + 1e-4).
      const swapped = lossOf({ ...inputs, studentAssignments: [1, 0] });
      expect(swapped.loss).toBeCloseTo(1 - 2 / (2 + 1e-4), 6);
    });
  });

  it('runs k-means on the unlabeled features when no assignments are given', async () => {
    await expectNoLeak(() => {
      const c = fixture.cases[0];
      const { studentAssignments: _, ...rest } = c.inputs;
      const t = tensors(rest);
      const r = iphLossReleaseExact(t, { seed: 3 });
      expect(r.assignments.shape).toEqual([c.inputs.studentUnlabeledFeatures.length]);
      expect(Number.isFinite(r.loss.dataSync()[0])).toBe(true);
      tf.dispose([r.loss, r.assignments]);
      disposeArgs(t);
    });
  });

  it('rejects mismatched shapes naming both, and out-of-range cluster ids', async () => {
    await expectNoLeak(() => {
      const c = fixture.cases[0].inputs;
      expect(() => lossOf({ ...c, referenceUnlabeledFeatures: c.referenceUnlabeledFeatures.slice(1) }))
        .toThrow(/'studentUnlabeledFeatures' \[8,5\] and 'referenceUnlabeledFeatures' \[7,5\] must have the same shape/);
      expect(() => lossOf({ ...c, referenceLabeledProbs: c.referenceLabeledProbs.map((row) => row.slice(1)) }))
        .toThrow(/'studentLabeledProbs' \[4,3\] dim 1 must equal 'referenceLabeledProbs' \[4,2\] dim 1/);
      expect(() => lossOf({ ...c, studentAssignments: c.studentAssignments.map(() => 3) })).toThrow(/outside \[0, 3\)/);
    });
  });
});
