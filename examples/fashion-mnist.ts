/**
 * A CPU-sized semi-supervised run on the real Fashion-MNIST (Debian: `apt-get install dataset-fashion-mnist`
 * puts the IDX files in /usr/share/datasets/fashion-mnist): 400 labeled images (40 per class), the other
 * 59,100 training images unlabeled, 500 for validation, the 10,000 test images for the final numbers.
 * Small CNN, batch 16 + 3 × 16 unlabeled, lr 0.03 cosine, EMA 0.999 with warm-up (a short run).
 *
 *   npx tsx examples/fashion-mnist.ts [--method tear|fixmatch|supervised|adapl|iph] [--steps 500]
 *        [--data /usr/share/datasets/fashion-mnist] [--backend auto] [--seed 0]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  SemiSupervisedTrainer, evaluateModels, createSmallCnn, deriveSeed, evaluationBatches, labeledBatches, loadIdx,
  makeSplit, selectBackend, strongAugment, unlabeledBatches, weakAugment,
  type BackendChoice, type TrainingMethod,
} from 'tear-ssl';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    method: { type: 'string', default: 'tear' },
    steps: { type: 'string', default: '500' },
    labels: { type: 'string', default: '400' },
    backend: { type: 'string', default: 'auto' },
    seed: { type: 'string', default: '0' },
  },
});
const seed = Number(args.seed);
const steps = Number(args.steps);
const B = 16;
const MU = 3;

console.log(`backend: ${(await selectBackend({ backend: args.backend as BackendChoice })).reason}`);
const { train, test } = await loadIdx(args.data, { kind: 'fashion-mnist' });
const split = makeSplit(train.labels, { numLabeled: Number(args.labels), numValidation: 500, seed, numClasses: 10, dataset: 'fashion-mnist' });
console.log(`${split.labeled.length} labeled, ${split.unlabeled.length} unlabeled, ${split.validation.length} validation, ${test.labels.length} test`);

const model = createSmallCnn({ inputShape: [28, 28, 1], numClasses: 10, seed });
const weak = { flip: true, pad: 2 };
const started = performance.now();
const trainer = await SemiSupervisedTrainer.create({
  model,
  labeled: (start) => labeledBatches(train, split.labeled, B, { seed: deriveSeed(seed, 1), startStep: start }),
  unlabeled: (start) => unlabeledBatches(train, split.unlabeled, MU * B, { seed: deriveSeed(seed, 2), startStep: start }),
  validation: () => evaluationBatches(train, split.validation, 250),
  weakAugment: weakAugment(weak),
  strongAugment: strongAugment({ weak }),
  callbacks: {
    onStepEnd: (k, logs) => {
      if ((k + 1) % 25 === 0) {
        const seconds = (performance.now() - started) / 1000;
        console.log(`step ${k + 1}/${steps} loss ${logs.loss.toFixed(4)} (sup ${logs.supervised.toFixed(3)}, unl ${logs.unlabeled.toFixed(3)}, ` +
          `iph ${logs.iph.toFixed(3)}) mask ${logs.maskRate.toFixed(2)} ${(seconds / (k + 1)).toFixed(2)} s/step`);
      }
    },
    onEvalEnd: (k, m) => console.log(`step ${k + 1}: validation top-1 EMA ${(100 * (m.ema.accuracy as number)).toFixed(1)}%, student ${(100 * (m.student.accuracy as number)).toFixed(1)}%`),
  },
  config: { method: args.method as TrainingMethod, numClasses: 10, totalSteps: steps, learningRate: 0.03, seed, evalEvery: 100, ema: { momentum: 0.999, warmup: true } },
});
await trainer.run();
console.log(`trained ${steps} steps in ${((performance.now() - started) / 1000).toFixed(0)} s`);

const [emaTest, studentTest] = (await evaluateModels([trainer.emaModel as tf.LayersModel, model], evaluationBatches(test, undefined, 500), 10))
  .map((r) => `top-1 ${(100 * r.accuracy).toFixed(2)}%, balanced ${(100 * r.balancedAccuracy).toFixed(2)}%, macro-F1 ${(100 * r.macroF1).toFixed(2)}%`);
const testImages = test.labels.length.toLocaleString('en-US');
console.log(`test (${testImages} images), EMA: ${emaTest}`);
console.log(`test (${testImages} images), student: ${studentTest}`);
trainer.dispose();
model.dispose();
