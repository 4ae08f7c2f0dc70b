import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { inferenceModel } from '../../src/models/inferenceModel';
import { saveModelFiles } from '../../src/training/saveModelFiles';
import { SemiSupervisedTrainer } from '../../src/training/trainer';
import { makeTempDir } from '../data/tempDir';
import { DATA, NUM_CLASSES, SIDE, trainerOptions } from './fixtures';

const temp = makeTempDir('export');
afterAll(() => temp.remove());

/** Serves `dir` over HTTP on a free port: the way a deployed tfjs model is fetched. */
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(dir, (req.url ?? '/').replace(/^\//, ''))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

describe('exporting the EMA model as a standard tfjs model', () => {
  it('model.json + weights.bin load with tf.loadLayersModel over HTTP and give the EMA model\'s predictions', async () => {
    const options = trainerOptions({ config: { method: 'fixmatch', totalSteps: 3 } });
    const trainer = await SemiSupervisedTrainer.create(options);
    await trainer.run();
    const ema = trainer.emaModel as tf.LayersModel;
    const deployed = inferenceModel(ema);
    const dir = join(temp.dir, 'model');
    const files = await saveModelFiles(deployed, dir);
    const manifest = JSON.parse(readFileSync(files.modelJson, 'utf8'));
    expect(manifest.format).toBe('layers-model');
    expect(manifest.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(readFileSync(files.weights).byteLength).toBe(ema.countParams() * 4);

    const { url, server } = await serve(dir);
    try {
      const loaded = await tf.loadLayersModel(`${url}/model.json`);
      const x = tf.tensor4d(DATA.images.slice(0, 5 * SIDE * SIDE), [5, SIDE, SIDE, 1]);
      const expected = tf.tidy(() => tf.softmax((ema.predict(x) as tf.Tensor[])[0]));
      const got = loaded.predict(x) as tf.Tensor;
      expect(got.shape).toEqual([5, NUM_CLASSES]);
      const e = expected.dataSync();
      got.dataSync().forEach((v, i) => expect(v).toBeCloseTo(e[i], 6));
      // the round trip can fail: the student's predictions differ from the EMA model's after training
      const student = tf.tidy(() => tf.softmax(((options.model as tf.LayersModel).predict(x) as tf.Tensor[])[0]));
      expect(Array.from(student.dataSync()).some((v, i) => Math.abs(v - e[i]) > 1e-4)).toBe(true);
      tf.dispose([x, expected, got, student]);
      loaded.dispose();
    } finally {
      server.close();
      trainer.dispose();
    }
  });

  it('logits output and argument checks', () => {
    const trainerModel = trainerOptions().model as tf.LayersModel;
    const logits = inferenceModel(trainerModel, 'logits');
    expect(logits.outputs.length).toBe(1);
    expect(logits.outputs[0].shape).toEqual([null, NUM_CLASSES]);
    expect(() => inferenceModel(logits)).toThrow(/inferenceModel: argument 'model' must have two outputs \[logits, features\], got 1/);
    trainerModel.dispose();
  });
});
