/**
 * Where one SemiSupervisedTrainer step spends its wall-clock time, piece by piece, on one backend:
 * the augmentations, the reference (EMA) forward, a plain forward+backward of the same images with
 * cross-entropy only (the floor: the whole step minus the other pieces minus this is what the SSL
 * losses, IPH with k-means and the bookkeeping cost),
 * the optimizer update with assignment, the EMA update with the teacher assignment, the host reads of
 * the step logs, and the whole trainStep. Pieces are timed round-robin (one of each per round) so that
 * load changes hit all alike; medians over the rounds. With --kernels, tf.profile per kernel of one
 * whole step. Wall-clock and process CPU time (all threads; robust to other jobs' load) per piece. The TEAR pieces use the trainer's own functions and default config.
 *
 *   npx tsx bench/profileTrainer.ts [--backend tensorflow|wasm|cpu] [--batch 32] [--mu 3]
 *     [--method fixmatch|tear] [--rounds 5] [--kernels]
 * For tfjs-node, TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS are read when it loads.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { strongAugment } from '../src/augment/randAugment';
import { weakAugment } from '../src/augment/weakAugment';
import { selectBackend, type BackendChoice } from '../src/backends/selectBackend';
import { softCrossEntropy } from '../src/math/softCrossEntropy';
import { softmaxProbabilities } from '../src/math/probabilities';
import { emaInit, emaUpdate } from '../src/state/ema';
import { resolveTrainerConfig } from '../src/training/config';
import { optimizerInit, optimizerUpdate } from '../src/training/optimizer';
import { modelHandle } from '../src/training/trainableModel';
import { isBatchNormStatistic } from '../src/training/weightDecay';
import { kernelTable, median } from './timing';
import { sslBenchTrainer } from './benchModels';
import { createSmallCnn } from '../src/models/smallCnn';

const argv = process.argv.slice(2);
const value = (name: string, d: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : d;
};
const BACKEND = value('backend', 'tensorflow') as BackendChoice;
const B = Number(value('batch', '32'));
const MU = Number(value('mu', '3'));
const U = B * MU;
const METHOD = value('method', 'tear') as 'fixmatch' | 'tear';
const ROUNDS = Number(value('rounds', '5'));
const SHAPE: [number, number, number] = [28, 28, 1];

async function main(): Promise<void> {
  const selected = await selectBackend({ backend: BACKEND });
  tf.env().set('IS_TEST', false);
  console.log(`${selected.reason}; TF_NUM_INTRAOP_THREADS=${process.env.TF_NUM_INTRAOP_THREADS ?? '(unset)'} TF_NUM_INTEROP_THREADS=${process.env.TF_NUM_INTEROP_THREADS ?? '(unset)'}`);
  const config = resolveTrainerConfig({ method: METHOD, numClasses: 10, totalSteps: 1000, reference: 'ema' });
  const model = createSmallCnn({ inputShape: SHAPE, numClasses: 10, seed: 1 });
  const teacher = createSmallCnn({ inputShape: SHAPE, numClasses: 10, seed: 1 });
  const student = modelHandle(model);
  const ref = modelHandle(teacher);
  const weak = weakAugment();
  const strong = strongAugment();
  const x = tf.randomUniform([B, ...SHAPE], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.randomUniform([B], 0, 10, 'int32', 2) as tf.Tensor1D;
  const u = tf.randomUniform([U, ...SHAPE], 0, 1, 'float32', 3) as tf.Tensor4D;
  const views = { weakLabeled: weak(x, 1), weakUnlabeled: weak(u, 2), strongUnlabeled: strong(u, 3) };
  const all = tf.concat([views.weakLabeled, views.weakUnlabeled, views.strongUnlabeled]);
  const allLabels = tf.oneHot(tf.randomUniform([B + 2 * U], 0, 10, 'int32', 4) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D;
  const reference = tf.tidy(() => {
    const out = ref.forward(views.weakUnlabeled, false);
    return { probs: softmaxProbabilities(out.logits), features: out.features };
  });
  const keys = student.variables.map((_, i) => `v${i}`);
  const trainableIds = new Set(student.trainable.map((v) => v.id));
  const params = Object.fromEntries(keys.map((k, i) => [k, student.variables[i]]).filter(([, v]) => trainableIds.has((v as tf.Variable).id)));
  let optState = optimizerInit(config.optimizer, params);
  let ema = emaInit(Object.fromEntries(keys.map((k, i) => [k, student.variables[i]])));
  const names = new Map(keys.map((k, i) => [k, student.variables[i].name]));
  const plainGradients = () => tf.variableGrads(
    () => softCrossEntropy({ targets: allLabels, logits: student.forward(all, true).logits }, { reduction: 'mean' }) as tf.Scalar, student.trainable);
  const once = plainGradients();
  once.value.dispose();
  const byKey = Object.fromEntries(keys.filter((k) => k in params).map((k) => [k, once.grads[names.get(k) as string]]));
  const trainer = await sslBenchTrainer(METHOD, B, MU, 'real');

  const pieces: Record<string, () => unknown> = {
    'weak(x) + weak(u) augment': () => tf.dispose([weak(x, 5), weak(u, 6)]),
    'strong(u) augment': () => tf.dispose(strong(u, 7)),
    ...(METHOD === 'tear' ? {
      'reference forward (weak u, inference)': () => {
        const r = tf.tidy(() => softmaxProbabilities(ref.forward(views.weakUnlabeled, false).logits));
        r.dispose();
      },
    } : {}),
    'plain CE forward+backward, same images (floor)': () => {
      const { value: v, grads } = plainGradients();
      tf.dispose([v, ...Object.values(grads)]);
    },
    'optimizer update + assign': () => {
      const up = optimizerUpdate(config.optimizer, optState, params, byKey, { learningRate: 0.03 });
      for (const [k, t] of Object.entries(up.params)) (params[k] as tf.Variable).assign(t);
      tf.dispose(Object.values(up.params));
      tf.dispose(Object.values(optState.slots).flatMap((s) => Object.values(s)));
      optState = up.state;
    },
    'EMA update + teacher assign': () => {
      const next = emaUpdate(ema, Object.fromEntries(keys.map((k, i) => [k, student.variables[i]])), {
        momentum: 0.999, copy: (k) => isBatchNormStatistic(names.get(k) as string),
      });
      tf.dispose(Object.values(ema.weights));
      ema = next;
      ref.variables.forEach((v, i) => v.assign(ema.weights[keys[i]]));
    },
    'whole trainStep': () => trainer.trainStep(),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(pieces).map((k) => [k, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(pieces).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS + 1; r++) {
    for (const [name, fn] of Object.entries(pieces)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      // tfjs-node runs ops synchronously (so does wasm); the whole step ends with host reads.
      const c = process.cpuUsage(c0);
      if (r > 0) {
        times[name].push(performance.now() - t0);
        cpu[name].push((c.user + c.system) / 1000);
      }
    }
  }
  console.log(`\n${METHOD} step pieces, B = ${B}, μ = ${MU} (U = ${U}), small CNN 28×28×1, backend ${tf.getBackend()}, median of ${ROUNDS} rounds; load average ${os.loadavg()[0].toFixed(1)}`);
  console.log(`  ${'piece'.padEnd(50)} ${'wall ms'.padStart(8)} ${'CPU ms'.padStart(8)}`);
  for (const [name, ts] of Object.entries(times)) console.log(`  ${name.padEnd(50)} ${median(ts).toFixed(1).padStart(8)} ${median(cpu[name]).toFixed(1).padStart(8)}`);
  if (argv.includes('--kernels')) {
    const info = await tf.profile(() => trainer.trainStep());
    const table = kernelTable(info);
    const sum = [...table.values()].reduce((s, e) => s + e.ms, 0);
    console.log(`\nkernels of one whole step: ${[...table.values()].reduce((s, e) => s + e.calls, 0)} calls, ${sum.toFixed(0)} ms kernel time`);
    for (const [n, e] of [...table].sort((a, b2) => b2[1].ms - a[1].ms).slice(0, 20)) console.log(`  ${n.padEnd(24)} ${String(e.calls).padStart(5)} ${e.ms.toFixed(1).padStart(8)}`);
  }
  trainer.dispose();
}

await main();
