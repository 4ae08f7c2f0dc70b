import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/atomicWrite';

/** The files saveModelFiles writes. */
export interface SavedModelFiles {
  modelJson: string;
  weights: string;
}

/**
 * Saves a LayersModel in the standard tfjs layers format (Node): `<dir>/model.json` (topology and
 * weights manifest) and `<dir>/weights.bin` (all weights), each written atomically, the weights first
 * so that a model.json never names missing data. Load it with `tf.loadLayersModel('file://<dir>/model.json')`
 * (tfjs-node) or from any web server with `tf.loadLayersModel('https://…/model.json')`. It is what
 * `model.save('file://dir')` writes under tfjs-node, without needing tfjs-node. A full disk or a read-only
 * folder is a `WriteFailedError` naming the file; a model.json is never left without its weights.
 *
 * @param model - the model to save (e.g. `inferenceModel(trainer.emaModel as tf.LayersModel)`).
 * @param dir - the folder (created if missing).
 * @returns the paths written.
 */
export async function saveModelFiles(model: tf.LayersModel, dir: string): Promise<SavedModelFiles> {
  const files = { modelJson: join(dir, 'model.json'), weights: join(dir, 'weights.bin') };
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(
      Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]);
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
    };
    await writeFileAtomic(files.weights, new Uint8Array(weightData), { what: 'exported model\'s weights' });
    await writeFileAtomic(files.modelJson, JSON.stringify(modelJson), { what: 'exported model' });
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  return files;
}
