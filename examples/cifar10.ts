/**
 * FixMatch + TEAR on CIFAR-10 with the release's settings: WRN-28-2, SGD-Nesterov lr 0.03 with the
 * cosine schedule, B = 64 labeled + μ = 7 × 64 unlabeled, τ = 0.95, EMA 0.999, weight decay 5e-4,
 * 2^20 steps. Meant for a GPU with @tensorflow/tfjs-node-gpu (see docs/examples.md); on a CPU use
 * --steps to make it small.
 *
 *   npx tsx examples/cifar10.ts --data ~/data/cifar-10-batches-bin [--labels 4000] [--method tear]
 *        [--steps 1048576] [--backend auto] [--out runs/cifar10] [--seed 0] [--batch-size 64] [--mu 7]
 *
 * On a CPU (wasm backend) the release's batch (64 + 7·64 unlabeled, weak and strong) does not fit the
 * wasm backend's 4 GB memory with WRN-28-2: use e.g. --batch-size 8 --mu 2 and few --steps.
 * Checkpoints go to <out>/latest.ckpt every 5000 steps; running the same command again resumes there.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  SemiSupervisedTrainer, evaluateModels, createWideResNet, deriveSeed, evaluationBatches, labeledBatches, loadCifar10,
  makeSplit, selectBackend, strongAugment, unlabeledBatches, weakAugment,
  type BackendChoice, type TrainerSetup, type TrainingMethod,
} from 'tear-ssl';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    labels: { type: 'string', default: '4000' },
    method: { type: 'string', default: 'tear' },
    steps: { type: 'string', default: String(2 ** 20) },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string', default: 'runs/cifar10' },
    seed: { type: 'string', default: '0' },
    'batch-size': { type: 'string', default: '64' },
    mu: { type: 'string', default: '7' },
  },
});
if (args.data === undefined) throw new Error('pass --data DIR, the cifar-10-batches-bin folder (data_batch_1.bin … test_batch.bin)');
const seed = Number(args.seed);
const steps = Number(args.steps);
const B = Number(args['batch-size']);
const MU = Number(args.mu);

console.log(`backend: ${(await selectBackend({ backend: args.backend as BackendChoice })).reason}`);
const { train, test } = await loadCifar10(args.data);
const split = makeSplit(train.labels, { numLabeled: Number(args.labels), numValidation: 500, seed, numClasses: 10, dataset: 'cifar10' });
console.log(`${split.labeled.length} labeled, ${split.unlabeled.length} unlabeled, ${split.validation.length} validation, ${test.labels.length} test`);

mkdirSync(args.out, { recursive: true });
const checkpoint = join(args.out, 'latest.ckpt');
const model = createWideResNet({ numClasses: 10, seed }); // WRN-28-2, outputs [logits, features]
let started = performance.now();
let trainer: SemiSupervisedTrainer;
const setup: TrainerSetup = {
  model,
  labeled: (start: number) => labeledBatches(train, split.labeled, B, { seed: deriveSeed(seed, 1), startStep: start }),
  unlabeled: (start: number) => unlabeledBatches(train, split.unlabeled, MU * B, { seed: deriveSeed(seed, 2), startStep: start }),
  validation: () => evaluationBatches(train, split.validation, 256),
  weakAugment: weakAugment(), // flip + reflect-pad-4 crop
  strongAugment: strongAugment(), // the same, then RandAugment (2 ops) + Cutout
  callbacks: {
    onStepEnd: async (k, logs) => {
      if ((k + 1) % 100 === 0) {
        const perStep = (performance.now() - started) / 100;
        started = performance.now();
        console.log(`step ${k + 1}/${steps} loss ${logs.loss.toFixed(4)} mask ${logs.maskRate.toFixed(2)} lr ${logs.lr.toExponential(2)} ` +
          `${(perStep / 1000).toFixed(2)} s/step, ${((B * (1 + MU)) / (perStep / 1000)).toFixed(0)} img/s`);
      }
      if ((k + 1) % 5000 === 0) await trainer.save(checkpoint);
    },
    onEvalEnd: (k, m) => console.log(`step ${k + 1}: validation top-1 (EMA) ${(100 * (m.ema.accuracy as number)).toFixed(2)}%`),
  },
};
const config = { method: args.method as TrainingMethod, numClasses: 10, totalSteps: steps, learningRate: 0.03, seed, evalEvery: 5000 };
trainer = existsSync(checkpoint)
  ? await SemiSupervisedTrainer.resume(checkpoint, setup)
  : await SemiSupervisedTrainer.create({ ...setup, config });
if (trainer.step > 0) console.log(`resumed from ${checkpoint} at step ${trainer.step}`);
await trainer.run();
await trainer.save(checkpoint);

const [emaTest, studentTest] = (await evaluateModels([trainer.emaModel as tf.LayersModel, model], evaluationBatches(test, undefined, 256), 10))
  .map((r) => `top-1 ${(100 * r.accuracy).toFixed(2)}%, balanced ${(100 * r.balancedAccuracy).toFixed(2)}%, macro-F1 ${(100 * r.macroF1).toFixed(2)}%, macro AUC ${r.rocAuc.toFixed(4)}`);
console.log(`test (EMA): ${emaTest}`);
console.log(`test (student): ${studentTest}`);
trainer.dispose();
model.dispose();
