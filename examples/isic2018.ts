/**
 * TEAR on ISIC 2018 Task 3 (7 skin-lesion classes) as in the release: the 5-conv encoder on 128×128
 * images normalised with the ISIC mean/std, TEAR's split files (labeled budget 350/600/800/1200/2000,
 * the rest of the pool unlabeled, fixed Val and Test), SGD-Nesterov lr 1e-3 with the cosine schedule,
 * B = 64 + μ = 7 × 64, τ = 0.95, EMA 0.999, the medical augmentation preset. Meant for a GPU with
 * @tensorflow/tfjs-node-gpu (see docs/examples.md).
 *
 *   npx tsx examples/isic2018.ts --data ~/data/ISIC2018_Task3_Training_Input [--budget 350]
 *        [--method tear] [--steps 20000] [--backend auto] [--out runs/isic2018] [--ground-truth GT.csv]
 *        [--batch-size 64] [--mu 7]   (smaller on a CPU: the release's batch does not fit wasm's 4 GB memory)
 *
 * The JPEGs are decoded once (sharp) and cached in .tear-cache/isic2018; the data take about 2 GB of
 * memory as float32. Checkpoints go to <out>/latest.ckpt every 1000 steps; rerunning resumes there.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  ISIC2018_NORMALIZATION, SemiSupervisedTrainer, evaluateModels, createTearEncoder, deriveSeed, evaluationBatches,
  labeledBatches, loadIsic2018, medicalPreset, selectBackend, unlabeledBatches,
  type BackendChoice, type ImageDataset, type Isic2018Budget, type TrainerSetup, type TrainingMethod,
} from 'tear-ssl';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    budget: { type: 'string', default: '350' },
    method: { type: 'string', default: 'tear' },
    steps: { type: 'string', default: '20000' },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string', default: 'runs/isic2018' },
    seed: { type: 'string', default: '0' },
    'ground-truth': { type: 'string' },
    'batch-size': { type: 'string', default: '64' },
    mu: { type: 'string', default: '7' },
  },
});
if (args.data === undefined) throw new Error('pass --data DIR, the folder of the ISIC 2018 Task 3 training JPEGs (ISIC_0024306.jpg …)');
const seed = Number(args.seed);
const steps = Number(args.steps);
const B = Number(args['batch-size']);
const MU = Number(args.mu);
const CLASSES = 7;

console.log(`backend: ${(await selectBackend({ backend: args.backend as BackendChoice })).reason}`);
const data = await loadIsic2018({
  imagesDir: args.data,
  splitsDir: join(import.meta.dirname ?? 'examples', 'isic2018', 'splits'),
  budget: Number(args.budget) as Isic2018Budget,
  groundTruthCsv: args['ground-truth'],
  cacheDir: join('.tear-cache', 'isic2018'),
  onProgress: (done, total) => { if (done % 500 === 0 || done === total) console.log(`decoded ${done}/${total} images`); },
});
console.log(`${data.labeled.labels.length} labeled, ${data.unlabeled.labels.length} unlabeled, ${data.validation.labels.length} validation, ${data.test.labels.length} test`);

const mean = tf.tensor1d([...ISIC2018_NORMALIZATION.mean]);
const std = tf.tensor1d([...ISIC2018_NORMALIZATION.std]);
const normalize = (x: tf.Tensor4D) => tf.tidy(() => x.sub(mean).div(std) as tf.Tensor4D);
const all = (d: ImageDataset) => Int32Array.from({ length: d.labels.length }, (_, i) => i);
const augment = medicalPreset(); // flips, 90° turns, pad + crop; strong adds RandAugment without Solarize, + Cutout

mkdirSync(args.out, { recursive: true });
const checkpoint = join(args.out, 'latest.ckpt');
const model = createTearEncoder({ inputShape: [128, 128, 3], numClasses: CLASSES, seed }); // outputs [logits, features f (256)]
let trainer: SemiSupervisedTrainer;
let started = performance.now();
const setup: TrainerSetup = {
  model,
  labeled: (start: number) => labeledBatches(data.labeled, all(data.labeled), B, { seed: deriveSeed(seed, 1), startStep: start }),
  unlabeled: (start: number) => unlabeledBatches(data.unlabeled, all(data.unlabeled), MU * B, { seed: deriveSeed(seed, 2), startStep: start }),
  validation: () => evaluationBatches(data.validation, undefined, 128),
  weakAugment: augment.weak,
  strongAugment: augment.strong,
  preprocess: normalize, // after augmentation, and on evaluation images
  callbacks: {
    onStepEnd: async (k, logs) => {
      if ((k + 1) % 50 === 0) {
        const perStep = (performance.now() - started) / 50000;
        started = performance.now();
        console.log(`step ${k + 1}/${steps} loss ${logs.loss.toFixed(4)} mask ${logs.maskRate.toFixed(2)} ${perStep.toFixed(2)} s/step`);
      }
      if ((k + 1) % 1000 === 0) await trainer.save(checkpoint);
    },
    onEvalEnd: (k, m) =>
      console.log(`step ${k + 1}: validation (EMA) top-1 ${(100 * (m.ema.accuracy as number)).toFixed(2)}%, ` +
        `balanced ${(100 * (m.ema.balancedAccuracy as number)).toFixed(2)}%, macro AUC ${(m.ema.rocAuc as number).toFixed(4)}`),
  },
};
const config = { method: args.method as TrainingMethod, numClasses: CLASSES, totalSteps: steps, learningRate: 1e-3, seed, evalEvery: 500 };
trainer = existsSync(checkpoint)
  ? await SemiSupervisedTrainer.resume(checkpoint, setup)
  : await SemiSupervisedTrainer.create({ ...setup, config });
if (trainer.step > 0) console.log(`resumed from ${checkpoint} at step ${trainer.step}`);
await trainer.run();
await trainer.save(checkpoint);

const [emaTest, studentTest] = (await evaluateModels([trainer.emaModel as tf.LayersModel, model], evaluationBatches(data.test, undefined, 128), CLASSES, { preprocess: normalize }))
  .map((r) => `top-1 ${(100 * r.accuracy).toFixed(2)}%, balanced ${(100 * r.balancedAccuracy).toFixed(2)}%, ` +
    `macro-F1 ${(100 * r.macroF1).toFixed(2)}%, macro AUC ${r.rocAuc.toFixed(4)}`);
console.log(`test (EMA): ${emaTest}`);
console.log(`test (student): ${studentTest}`);
trainer.dispose();
model.dispose();
tf.dispose([mean, std]);
