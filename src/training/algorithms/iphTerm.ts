import * as tf from '@tensorflow/tfjs';
import { IPH_REFERENCES, iphLoss } from '../../math/iphLoss';
import { hardPseudoLabels } from '../../math/pseudoLabels';
import { check, NonFiniteArgumentError } from '../../util/checks';
import { valueChecksDeferred } from '../../util/valueChecks';
import type { OptionEntry } from '../optionSchema';
import type { ExtraTerm } from './types';

/** The IPH add-on's options (config section `iph`; its weight λ_IPH is the core option `lambdaIph`). */
export const IPH_OPTIONS: readonly OptionEntry[] = ([
  { path: 'iph.numClusters', kind: { type: 'int', min: 1 }, default: (numClasses: number) => numClasses, defaultText: 'C',
    help: 'IPH student clusters K (default: one per class)', cli: { flag: 'clusters', key: 'clusters', valueName: 'K' } },
  { path: 'iph.reference', kind: { type: 'enum', values: IPH_REFERENCES }, default: 'prediction',
    help: 'IPH reference groups: prediction (argmax p̃, the release) or kmeans (k-means on f̃)', cli: { flag: 'iph-reference', key: 'iphReference', valueName: 'R' } },
  { path: 'iph.kmeans.restarts', kind: { type: 'int', min: 1 }, default: 3, help: 'k-means restarts (seeded per step)' },
  { path: 'iph.kmeans.maxIterations', kind: { type: 'int', min: 1 }, default: 20, help: 'k-means iterations at most (the standalone kmeans caps at 50; features move little between steps)' },
  { path: 'iph.kmeans.tolerance', kind: { type: 'number', min: 0 }, default: 1e-4, help: 'k-means convergence tolerance' },
] satisfies ReadonlyArray<Omit<OptionEntry, 'section'>>).map((e) => ({ ...e, section: 'IPH (add-on)' }));

/**
 * TEAR's IPH term λiph·L_IPH (docs/iph.md): student clusters of f(weak(u)) matched to the reference's
 * groups of f̃ (argmax p̃, or k-means). Options: config.iph and config.lambdaIph.
 */
export const iphTerm: ExtraTerm<undefined> = {
  name: 'iph',
  usesReferenceModel: true,
  // StepLogs.iph: every method's logs carry it (0 without this term), as they always have
  logWhenAbsent: 0,
  weight: (config) => config.lambdaIph,
  loss: ({ config, reference, studentFeatures, kmeansSeed }) => {
    check(reference !== undefined, 'iphTerm', () => 'needs the reference model outputs');
    const byPrediction = config.iph.reference === 'prediction';
    return tf.tidy(() => {
      const referenceAssignments = byPrediction ? hardPseudoLabels(reference.probs).labels : undefined;
      const { loss } = nanIfNonFinite(() => iphLoss(
        { studentFeatures, referenceFeatures: reference.features, referenceAssignments },
        {
          numClusters: config.iph.numClusters, reference: config.iph.reference, seed: kmeansSeed, kmeans: { ...config.iph.kmeans },
          referenceGroups: byPrediction ? config.numClasses : config.iph.numClusters,
        },
      ));
      return { loss };
    });
  },
};

/**
 * In the trainer's hot path (`deferValueChecks`), non-finite features are the symptom of a diverging step,
 * not a caller's mistake: L_IPH is then NaN, and the trainer's divergence check reports the step and the
 * newest checkpoint as for every other method. Outside it, the error stands.
 */
function nanIfNonFinite(run: () => { loss: tf.Scalar; assignments: tf.Tensor1D }): { loss: tf.Scalar } {
  try {
    const { loss, assignments } = run();
    assignments.dispose();
    return { loss };
  } catch (e) {
    if (e instanceof NonFiniteArgumentError && valueChecksDeferred()) return { loss: tf.scalar(NaN) };
    throw e;
  }
}
