import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { batchIndicesAt, labeledBatches } from '../../src/data/batchSource';
import type { LabeledBatch } from '../../src/data/types';
import { deriveSeed } from '../../src/state/random';
import { disposeState } from '../../src/state/serialize';
import { fixedThreshold } from '../../src/training/algorithms/fixedThreshold';
import { hardTargets } from '../../src/training/algorithms/hardTargets';
import { ALGORITHMS, methodNames, resolveMethod, type MethodName } from '../../src/training/algorithms/registry';
import type { Algorithm, Alignment, Masker, StepContext, TargetBuilder } from '../../src/training/algorithms/types';
import { resolveTrainerConfig, type TrainerConfigInput } from '../../src/training/config';
import { SEED_PURPOSE, SemiSupervisedTrainer } from '../../src/training/trainer';
import { modelHandle } from '../../src/training/trainableModel';
import { purposeId, semiSupervisedObjective } from '../../src/training/trainStep';
import { softmax } from '../helpers/float64';
import { expectClose, expectNoLeak } from '../helpers/tensors';
import { DATA, LABELED, linearFunctionModel, NUM_CLASSES, SIDE, trainerOptions, variableValues } from './fixtures';

/**
 * Test-only algorithms are added to the registry's table for one test and removed after it: ALGORITHMS is a
 * plain exported object that resolveMethod, parseMethodName and methodNames read at call time (no seam
 * needed). Each vitest file runs in its own process, so no other file sees them.
 */
const table = ALGORITHMS as unknown as Record<string, Algorithm>;
const added: string[] = [];
function register(algorithm: Algorithm): void {
  expect(table[algorithm.name], `'${algorithm.name}' is not a registered name`).toBeUndefined();
  table[algorithm.name] = algorithm;
  added.push(algorithm.name);
}
afterEach(() => {
  for (const name of added.splice(0)) delete table[name];
});

const probe = (name: string, masker: Masker, extra: Partial<Algorithm> = {}): Algorithm => ({
  name, description: `test-only ${name}`, unlabeled: true, masker, alignment: 'none', ...extra,
});

interface Seen {
  step: number; totalSteps: number; supervisedLoss: number; logits: number[][]; probs: number[][]; labels: number[];
  ids?: number[]; seeds: Record<string, number>;
}

/** A masker that records what it reads of the step context, then masks as FixMatch does. */
function recorder(seen: Seen[], purposes: string[]): Masker<undefined> {
  return {
    name: 'recorder',
    mask: (step, probs) => {
      seen.push({
        step: step.step, totalSteps: step.totalSteps, supervisedLoss: step.supervisedLoss.dataSync()[0],
        logits: step.labeled.logits.arraySync(), probs: step.labeled.probs.arraySync(), labels: Array.from(step.labeled.labels.dataSync()),
        ids: step.labeled.ids && Array.from(step.labeled.ids.dataSync()),
        seeds: Object.fromEntries(purposes.map((p) => [p, step.seed(p)])),
      });
      return fixedThreshold.mask(step, probs, undefined);
    },
  };
}

describe('the step context a component reads', () => {
  it('k across steps, K, L_s (= the logged supervised loss), labeled logits/probs (= softmax)/labels, seed(purpose) = deriveSeed(seed, k, purposeId(purpose))', () => expectNoLeak(async () => {
    register(probe('recording', recorder([], [])));
    const purposes = ['mixup', 'noise', 'mixup2'];
    const run = async (seed: number): Promise<{ seen: Seen[]; logs: Awaited<ReturnType<SemiSupervisedTrainer['run']>> }> => {
      const seen: Seen[] = [];
      table.recording = probe('recording', recorder(seen, purposes));
      const options = trainerOptions({ config: { method: 'recording', totalSteps: 17, seed } as unknown as Partial<TrainerConfigInput> });
      const trainer = await SemiSupervisedTrainer.create(options);
      const logs = await trainer.run(3);
      trainer.dispose();
      (options.model as tf.LayersModel).dispose();
      return { seen, logs };
    };
    const { seen, logs } = await run(7);
    expect(seen.map((s) => s.step)).toEqual([0, 1, 2]);
    expect(seen.map((s) => s.totalSteps)).toEqual([17, 17, 17]);
    seen.forEach((s, k) => {
      expect(s.supervisedLoss, `step ${k}: L_s read = L_s logged`).toBe(logs[k].supervised);
      expect(s.probs.length).toBe(4);
      s.logits.forEach((z, b) => expectClose(s.probs[b], softmax(z), 1e-6, 1e-5));
      const picked = batchIndicesAt(LABELED, 4, 5, k); // the labeled stream of trainerOptions
      expect(s.labels).toEqual(Array.from(picked, (i) => DATA.labels[i]));
      expect(s.ids).toBeUndefined(); // labeledBatches gives no ids, and nothing declared 'labeledIds'
      // the supervised loss is the mean CE of those logits and labels (float64)
      const ce = s.logits.reduce((sum, z, b) => sum - Math.log(softmax(z)[s.labels[b]]), 0) / 4;
      expect(s.supervisedLoss).toBeCloseTo(ce, 5);
      for (const p of purposes) expect(s.seeds[p], `step ${k} ${p}`).toBe(deriveSeed(7, k, purposeId(p)));
    });
    const all = seen.flatMap((s) => Object.values(s.seeds));
    expect(new Set(all).size, 'different across purposes and steps').toBe(all.length);
    // the trainer's own draws are distinct purposes: none of them coincides with a component's
    const own = seen.flatMap((s) => Object.values(SEED_PURPOSE).map((p) => deriveSeed(7, s.step, p)));
    expect(all.filter((v) => own.includes(v))).toEqual([]);
    // deterministic per (seed, k, purpose): a second run gives the same seeds; another run seed, other ones
    expect((await run(7)).seen.map((s) => s.seeds)).toEqual(seen.map((s) => s.seeds));
    const other = (await run(8)).seen.flatMap((s) => Object.values(s.seeds));
    expect(other.filter((v) => all.includes(v))).toEqual([]);
  }));

  it('purposeId is a stable FNV-1a id ≥ 1000, clear of the trainer\'s purposes 1–5', () => {
    const ids = ['', 'a', 'b', 'mixup', 'dash', 'adamatch'].map(purposeId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(Number.isInteger(id) && id >= 1000 && id < 1000 + 0x7fff0000).toBe(true);
    }
    expect(purposeId('')).toBe(1000 + (0x811c9dc5 % 0x7fff0000)); // FNV-1a offset basis of the empty string
    expect(purposeId('a')).toBe(1000 + (Math.imul(0x811c9dc5 ^ 97, 0x01000193) >>> 0) % 0x7fff0000);
  });
});

describe('lazy fields of the step context are computed only when read', () => {
  /** The kernels (tf.profile) of one objective call with `masker`, on a linear model and fixed inputs. */
  async function kernelsWith(masker: Masker, input: Partial<TrainerConfigInput> = {}): Promise<string[]> {
    const config = resolveTrainerConfig({ numClasses: NUM_CLASSES, totalSteps: 10, method: 'fixmatch', threshold: 0.4, distributionAlignment: { enabled: false }, ...input });
    const recipe = { ...resolveMethod(config), masker };
    const model = linearFunctionModel(5);
    const inputs = tf.tidy(() => ({
      weakLabeled: tf.randomUniform([4, SIDE, SIDE, 1], 0, 1, 'float32', 1) as tf.Tensor4D, labels: tf.tensor1d([0, 1, 2, 1], 'int32'),
      weakUnlabeled: tf.randomUniform([6, SIDE, SIDE, 1], 0, 1, 'float32', 2) as tf.Tensor4D,
      strongUnlabeled: tf.randomUniform([6, SIDE, SIDE, 1], 0, 1, 'float32', 3) as tf.Tensor4D,
    }));
    let out: unknown;
    const info = await tf.profile(() => {
      out = semiSupervisedObjective({ student: modelHandle(model), config, recipe, kmeansSeed: 1, ...inputs });
      return [];
    });
    disposeState([out, inputs, model.trainableVariables, model.nonTrainableVariables]);
    return info.kernels.map((k) => k.name);
  }
  const reading = (read: (step: StepContext) => unknown): Masker => ({
    name: 'reading', mask: (step, probs) => { read(step); return fixedThreshold.mask(step, probs, undefined); },
  });

  it('FixMatch\'s objective runs the same kernels as one whose masker reads every always-present field; reading the lazy ones adds kernels, once each', () => expectNoLeak(async () => {
    const base = await kernelsWith(fixedThreshold);
    // fields that are already there cost nothing
    const eager = await kernelsWith(reading((s) => [s.step, s.totalSteps, s.seed('x'), s.labeled.logits, s.labeled.labels, s.supervisedLoss, s.studentProbs, s.strongLogits, s.studentFeatures]));
    expect(eager).toEqual(base);
    /** Kernels of `list` beyond FixMatch's, by name (a multiset difference: `list` must contain `base`'s). */
    const extra = (list: string[]): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const k of list) counts[k] = (counts[k] ?? 0) + 1;
      for (const k of base) counts[k] -= 1;
      expect(Object.values(counts).every((n) => n >= 0), 'every kernel of FixMatch\'s objective still runs').toBe(true);
      return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
    };
    // labeled.probs: one softmax of the labeled logits (and its stop-gradient), computed inside the objective only when read: no second forward
    const probs = extra(await kernelsWith(reading((s) => s.labeled.probs)));
    expect(probs.Softmax).toBe(1);
    expect(probs.BatchMatMul).toBeUndefined();
    // weakLogits: a stop-gradient of the split logits, no softmax
    const weak = extra(await kernelsWith(reading((s) => s.weakLogits)));
    expect(Object.keys(weak).length).toBeGreaterThan(0);
    expect(weak.Softmax).toBeUndefined();
    // read twice each: computed once (the getter caches the tensor)
    const twice = extra(await kernelsWith(reading((s) => {
      expect(s.labeled.probs).toBe(s.labeled.probs);
      expect(s.weakLogits).toBe(s.weakLogits);
      return [s.labeled.probs, s.weakLogits];
    })));
    const sum = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, (a[k] ?? 0) + (b[k] ?? 0)]));
    expect(twice).toEqual(sum(probs, weak));
    // the features are slices of the one forward's features: one Slice each
    const all = extra(await kernelsWith(reading((s) => [s.labeled.probs, s.labeled.features, s.weakLogits, s.strongFeatures])));
    expect(all).toEqual(sum(sum(probs, weak), { Slice: 2 }));
  }));

  it('the lazy fields hold the right values: labeled features = f(weak(x)), weakLogits = z(weak(u)), strongFeatures = f(strong(u))', () => expectNoLeak(async () => {
    const model = linearFunctionModel(5);
    const config = resolveTrainerConfig({ numClasses: NUM_CLASSES, totalSteps: 10, method: 'fixmatch', distributionAlignment: { enabled: false } });
    const inputs = tf.tidy(() => ({
      weakLabeled: tf.randomUniform([4, SIDE, SIDE, 1], 0, 1, 'float32', 1) as tf.Tensor4D, labels: tf.tensor1d([0, 1, 2, 1], 'int32'),
      weakUnlabeled: tf.randomUniform([6, SIDE, SIDE, 1], 0, 1, 'float32', 2) as tf.Tensor4D,
      strongUnlabeled: tf.randomUniform([6, SIDE, SIDE, 1], 0, 1, 'float32', 3) as tf.Tensor4D,
    }));
    const got: Record<string, number[][]> = {};
    const masker = reading((s) => {
      got.labeledFeatures = s.labeled.features.arraySync();
      got.weakLogits = s.weakLogits.arraySync();
      got.strongFeatures = s.strongFeatures.arraySync();
      got.studentFeatures = s.studentFeatures.arraySync();
    });
    const out = semiSupervisedObjective({ student: modelHandle(model), config, recipe: { ...resolveMethod(config), masker }, kmeansSeed: 1, ...inputs });
    const want = (x: tf.Tensor4D) => tf.tidy(() => { const o = model.apply(x, false); return { logits: o.logits.arraySync() as number[][], features: o.features.arraySync() as number[][] }; });
    const close = (a: number[][], b: number[][]) => expectClose(a.flat(), b.flat(), 1e-5, 1e-5);
    close(got.labeledFeatures, want(inputs.weakLabeled).features);
    close(got.weakLogits, want(inputs.weakUnlabeled).logits);
    close(got.studentFeatures, want(inputs.weakUnlabeled).features);
    close(got.strongFeatures, want(inputs.strongUnlabeled).features);
    disposeState([out, inputs, model.trainableVariables, model.nonTrainableVariables]);
  }));
});

describe('components declare what they need', () => {
  /** Batches of the synthetic data with their sample ids (what a labeled source must give for 'labeledIds'). */
  const labeledWithIds = (startStep: number): AsyncIterable<LabeledBatch> => ({
    async* [Symbol.asyncIterator]() {
      let k = startStep;
      for await (const batch of labeledBatches(DATA, LABELED, 4, { seed: 5, startStep, prefetch: 0 })) {
        yield { ...batch, indices: tf.tensor1d(batchIndicesAt(LABELED, 4, 5, k++), 'int32') };
      }
    },
  });

  it('\'labeledIds\' with labeled batches that carry no ids: the step fails before it runs, naming the component, and leaks nothing', () => expectNoLeak(async () => {
    const seen: Seen[] = [];
    register(probe('needs-ids', { ...recorder(seen, []), name: 'id-reader', needs: ['labeledIds'] }));
    expect(resolveMethod(resolveTrainerConfig({ numClasses: 3, totalSteps: 5, method: 'needs-ids' as MethodName })).needs).toEqual({ labeledIds: 'id-reader' });
    const options = trainerOptions({ config: { method: 'needs-ids' } as unknown as Partial<TrainerConfigInput> });
    const trainer = await SemiSupervisedTrainer.create(options);
    const model = options.model as tf.LayersModel;
    const before = await variableValues(model.weights.map((w) => w.read() as tf.Variable));
    const count = tf.memory().numTensors;
    await expect(trainer.trainStep()).rejects.toThrow(
      /method 'needs-ids': component 'id-reader' needs labeled sample ids, but the labeled batches carry no 'indices' .*batchIndicesAt\(indices, batchSize, seed, k\)/);
    expect(tf.memory().numTensors, 'the batches of the refused step are disposed').toBe(count);
    expect(seen).toEqual([]); // the component never ran
    expect(trainer.step).toBe(0);
    expect(await variableValues(model.weights.map((w) => w.read() as tf.Variable))).toEqual(before);
    trainer.dispose();
    model.dispose();
  }));

  it('\'labeledIds\' with a labeled source that gives ids (labeledBatches + batchIndicesAt, as the error advises): labeled.ids are the batch\'s sample ids', () => expectNoLeak(async () => {
    const seen: Seen[] = [];
    register(probe('needs-ids', { ...recorder(seen, []), name: 'id-reader', needs: ['labeledIds'] }));
    const options = trainerOptions({ config: { method: 'needs-ids' } as unknown as Partial<TrainerConfigInput>, labeled: labeledWithIds });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.run(3);
    expect(seen.map((s) => s.ids)).toEqual([0, 1, 2].map((k) => Array.from(batchIndicesAt(LABELED, 4, 5, k))));
    seen.forEach((s) => expect(s.labels).toEqual(s.ids!.map((i) => DATA.labels[i])));
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  }));

  it('\'unlabeledIds\' without memory.numSamples fails when the method is resolved, naming the component (masker or alignment)', () => {
    register(probe('needs-uids', { ...fixedThreshold, name: 'uid-masker', needs: ['unlabeledIds'] }));
    const alignment: Alignment<undefined> = {
      name: 'uid-alignment', needs: ['unlabeledIds'],
      state: { key: 'uidAlignment', init: () => undefined, toJSON: async () => null, fromJSON: () => undefined },
      align: (_step, probs, state) => ({ probs: probs.clone(), state }),
    };
    register(probe('aligns-by-id', fixedThreshold, { alignment: alignment as Alignment }));
    const cfg = (method: string, numSamples = 0) => resolveTrainerConfig({ numClasses: 3, totalSteps: 5, method: method as MethodName, memory: { numSamples } });
    expect(() => cfg('needs-uids')).toThrow(
      "method 'needs-uids': component 'uid-masker' needs unlabeled sample ids: set memory.numSamples (the size of the unlabeled index space)");
    expect(() => cfg('needs-uids+tear')).toThrow(/component 'uid-masker' needs unlabeled sample ids/);
    expect(() => cfg('aligns-by-id')).toThrow(/method 'aligns-by-id': component 'uid-alignment' needs unlabeled sample ids/);
    expect(resolveMethod(cfg('needs-uids', 12)).needs).toEqual({ unlabeledIds: 'uid-masker' });
    expect(resolveMethod(cfg('aligns-by-id', 12)).states.map((s) => s.key)).toEqual(['uidAlignment']);
  });

  it('\'referenceModel\' brings the reference forward: step.reference holds the EMA teacher\'s probabilities on weak(u)', () => expectNoLeak(async () => {
    const sums: number[][] = [];
    register(probe('needs-reference', {
      name: 'reference-reader', needs: ['referenceModel'],
      mask: (step, probs) => {
        sums.push(Array.from(tf.tidy(() => tf.sum(step.reference!.probs, 1).dataSync())));
        return fixedThreshold.mask(step, probs, undefined);
      },
    }));
    const recipe = resolveMethod(resolveTrainerConfig({ numClasses: 3, totalSteps: 5, method: 'needs-reference' as MethodName }));
    expect([recipe.reference?.name, recipe.needs]).toEqual(['ema', { referenceModel: 'reference-reader' }]);
    const options = trainerOptions({ config: { method: 'needs-reference' } as unknown as Partial<TrainerConfigInput> });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.run(2);
    expect(sums.length).toBe(2);
    for (const row of sums) expectClose(row, row.map(() => 1), 1e-5);
    trainer.dispose();
    (options.model as tf.LayersModel).dispose();
  }));
});

describe('two producers of targets are an error, never a silent choice', () => {
  const ownTargets: TargetBuilder = { ...hardTargets, name: 'own-targets' };

  it('an algorithm with its own targets + adapl or + tear: resolve throws naming both; + iph keeps the algorithm\'s targets', () => {
    register(probe('targeted', fixedThreshold, { targets: ownTargets }));
    expect(methodNames()).toContain('targeted+adapl');
    const cfg = (method: string) => resolveTrainerConfig({ numClasses: 3, totalSteps: 5, method: method as MethodName });
    for (const addOn of ['adapl', 'tear']) {
      expect(() => cfg(`targeted+${addOn}`)).toThrow(
        `method 'targeted+${addOn}': algorithm 'targeted' and add-on '${addOn}' both produce the unlabeled targets; combine them in one TargetBuilder or register the combination as its own algorithm`);
    }
    const iph = resolveMethod(cfg('targeted+iph'));
    expect([iph.targets.name, iph.terms.map((t) => t.name)]).toEqual(['own-targets', ['iph']]);
    expect(resolveMethod(cfg('targeted')).targets.name).toBe('own-targets');
    // every registered algorithm composes with every add-on today (none brings its own targets)
    for (const name of methodNames().filter((n) => !n.startsWith('targeted'))) {
      expect(() => resolveTrainerConfig({ numClasses: 3, totalSteps: 5, method: name, memory: { numSamples: 8 } }), name).not.toThrow();
    }
  });
});
