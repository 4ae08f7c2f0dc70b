/**
 * An existing plain tfjs training loop (cross-entropy on a few labeled digits) that gains TEAR's
 * regularizers in a few lines, without SemiSupervisedTrainer: an EMA teacher, distribution alignment,
 * AdaPL on the unlabeled images and IPH on their features. Lines marked `// + TEAR` are the additions.
 *
 *   npx tsx examples/custom-loop.ts           # with AdaPL + IPH (about 25 s on a 2-core CPU with wasm)
 *   npx tsx examples/custom-loop.ts --plain   # the original supervised loop, for comparison
 *   npx tsx examples/custom-loop.ts --steps 2 # a smoke run (the package test runs it from an installed tarball)
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  adaplLoss, alignDistribution, evaluateModels, createSmallCnn, disposeState, distributionAlignmentInit,
  distributionAlignmentUpdate, emaInit, emaUpdate, evaluationBatches, iphLoss, labeledBatches, loadDigits, makeSplit,
  selectBackend, softmaxProbabilities, stopGradient, strongAugment, unlabeledBatches, weakAugment, type EmaState,
} from 'tear-ssl';

const { values: args } = parseArgs({ options: { plain: { type: 'boolean', default: false }, steps: { type: 'string', default: '300' } } });
const TEAR = !args.plain;
const STEPS = Number(args.steps);
const NUM_CLASSES = 10;

console.log(`backend: ${(await selectBackend()).reason}`);
const data = await loadDigits();
// 50 labeled digits, 360 held out for testing, the rest unlabeled
const split = makeSplit(data.labels, { numLabeled: 50, numValidation: 360, seed: 0, numClasses: NUM_CLASSES });
const student = createSmallCnn({ inputShape: [8, 8, 1], numClasses: NUM_CLASSES, seed: 0 }); // outputs [logits, features]
const optimizer = tf.train.adam(3e-3);
const weak = weakAugment({ flip: false, pad: 1 });
const labeled = labeledBatches(data, split.labeled, 16, { seed: 1 })[Symbol.asyncIterator]();

const teacher = createSmallCnn({ inputShape: [8, 8, 1], numClasses: NUM_CLASSES }); // + TEAR: the EMA model
const strong = strongAugment({ weak: { flip: false, pad: 1 }, cutout: 0.375 }); // + TEAR
const unlabeled = unlabeledBatches(data, split.unlabeled, 64, { seed: 2 })[Symbol.asyncIterator](); // + TEAR
const studentWeights = () => Object.fromEntries(student.weights.map((w, i) => [String(i), w.read()])); // + TEAR
let ema: EmaState = emaInit(studentWeights()); // + TEAR
let alignment = distributionAlignmentInit(NUM_CLASSES); // + TEAR
const isMovingStatistic = (i: string) => /moving_(mean|variance)/.test(student.weights[Number(i)].name); // + TEAR

const started = performance.now();
for (let step = 0; step < STEPS; step++) {
  const x = (await labeled.next()).value;
  const weakX = weak(x.images, 3 * step);
  let u: { images: tf.Tensor4D; indices: tf.Tensor1D } | undefined;
  let views: tf.Tensor4D = weakX;
  let targets: { refProbs: tf.Tensor2D; refFeatures: tf.Tensor2D; refClasses: tf.Tensor1D } | undefined;
  if (TEAR) {
    // + TEAR: the teacher's view of weak(u) is computed outside the gradient closure (no gradient)
    const batch = (await unlabeled.next()).value;
    u = batch;
    const weakU = weak(batch.images, 3 * step + 1);
    const strongU = strong(batch.images, 3 * step + 2);
    views = tf.concat([weakX, weakU, strongU]); // one student forward over [weak x; weak u; strong u]
    const [refLogits, refFeatures] = teacher.apply(weakU, { training: false }) as tf.Tensor2D[];
    const refProbs = softmaxProbabilities(refLogits);
    targets = { refProbs, refFeatures, refClasses: tf.argMax(refProbs, 1) as tf.Tensor1D };
    tf.dispose([weakU, strongU, refLogits]);
  }

  const { value: loss, grads } = tf.variableGrads(() => {
    const [logits, features] = student.apply(views, { training: true }) as tf.Tensor2D[];
    const b = x.labels.shape[0];
    const logitsX = logits.slice([0, 0], [b, NUM_CLASSES]);
    let total = tf.losses.softmaxCrossEntropy(tf.oneHot(x.labels, NUM_CLASSES), logitsX) as tf.Scalar;
    if (targets) {
      const n = targets.refProbs.shape[0]; // + TEAR: AdaPL on the strong views, IPH on the weak-view features
      const studentProbs = stopGradient(softmaxProbabilities(logits.slice([b, 0], [n, NUM_CLASSES]))); // + TEAR: a constant
      const nextAlignment = distributionAlignmentUpdate(alignment, studentProbs); // + TEAR: push, then align
      tf.keep(nextAlignment.queue); // outlives the closure, which disposes everything it does not return
      disposeState(alignment);
      alignment = nextAlignment;
      const strongLogits = logits.slice([b + n, 0], [n, NUM_CLASSES]);
      const weakFeatures = features.slice([b, 0], [n, features.shape[1]]);
      const adapl = adaplLoss({ strongLogits, weakProbs: alignDistribution(alignment, studentProbs), referenceProbs: targets.refProbs, studentProbs });
      const iph = iphLoss({ studentFeatures: weakFeatures, referenceFeatures: targets.refFeatures, referenceAssignments: targets.refClasses },
        { numClusters: NUM_CLASSES, seed: step });
      total = total.add(adapl.loss).add(iph.loss.mul(0.1));
    }
    return total;
  });
  optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));

  if (TEAR) {
    const next = emaUpdate(ema, studentWeights(), { momentum: 0.999, warmup: true, copy: isMovingStatistic }); // + TEAR
    disposeState(ema);
    ema = next;
    teacher.weights.forEach((w, i) => w.write(ema.weights[String(i)])); // + TEAR
  }
  if (step % 50 === 0 || step === STEPS - 1) console.log(`step ${step} loss ${(await loss.data())[0].toFixed(4)}`);
  tf.dispose([loss, ...Object.values(grads), x.images, x.labels, weakX, views]);
  if (u) tf.dispose([u.images, u.indices]);
  if (targets) tf.dispose(Object.values(targets));
}
console.log(`${STEPS} steps in ${((performance.now() - started) / 1000).toFixed(1)} s`);

/** Top-1 and balanced accuracy of a model on the held-out digits. */
async function testReport(model: tf.LayersModel): Promise<string> {
  const [r] = await evaluateModels([model], evaluationBatches(data, split.validation, 256), NUM_CLASSES);
  return `top-1 ${(100 * r.accuracy).toFixed(1)}%, balanced ${(100 * r.balancedAccuracy).toFixed(1)}%`;
}
console.log(`test (360 held-out digits), student: ${await testReport(student)}`);
if (TEAR) console.log(`test (360 held-out digits), EMA teacher: ${await testReport(teacher)}`);
