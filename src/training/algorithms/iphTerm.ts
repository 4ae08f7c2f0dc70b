import * as tf from '@tensorflow/tfjs';
import { iphLoss } from '../../math/iphLoss';
import { hardPseudoLabels } from '../../math/pseudoLabels';
import { check } from '../../util/checks';
import type { ExtraTerm } from './types';

/**
 * TEAR's IPH term λiph·L_IPH (docs/iph.md): student clusters of f(weak(u)) matched to the reference's
 * groups of f̃ (argmax p̃, or k-means). Options: config.iph and config.lambdaIph.
 */
export const iphTerm: ExtraTerm<undefined> = {
  name: 'iph',
  usesReferenceModel: true,
  weight: (config) => config.lambdaIph,
  loss: ({ config, reference, studentFeatures, kmeansSeed }) => {
    check(reference !== undefined, 'iphTerm', () => 'needs the reference model outputs');
    const byPrediction = config.iph.reference === 'prediction';
    return tf.tidy(() => {
      const referenceAssignments = byPrediction ? hardPseudoLabels(reference.probs).labels : undefined;
      const { loss } = iphLoss(
        { studentFeatures, referenceFeatures: reference.features, referenceAssignments },
        {
          numClusters: config.iph.numClusters, reference: config.iph.reference, seed: kmeansSeed, kmeans: { ...config.iph.kmeans },
          referenceGroups: byPrediction ? config.numClasses : config.iph.numClusters,
        },
      );
      return { loss };
    });
  },
};
