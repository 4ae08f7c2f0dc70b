/**
 * Where a FixMatch and a TEAR trainer step spend their time (small CNN, wasm, one process):
 * per-kernel tf.profile of one trainStep per method, and wall-clock of the TEAR-only pieces run alone
 * (reference forward, k-means, iphLoss, EMA update). The two trainers step alternately. `npx tsx bench/profileSsl.ts [--mu 2] [--steps 5]`
 */
import * as tf from '@tensorflow/tfjs';
import { installWasmTrainingKernels } from '../src/wasm';
import { kmeans } from '../src/math/kmeans';
import { iphLoss } from '../src/math/iphLoss';
import { hardPseudoLabels } from '../src/math/pseudoLabels';
import { softmaxProbabilities } from '../src/math/probabilities';
import { emaInit, emaUpdate } from '../src/state/ema';
import { benchTrainer, createBenchModel, INPUT_SHAPES, NUM_CLASSES } from './benchModels';
import { kernelTable, median, timeCalls } from './timing';

const argv = process.argv.slice(2);
const flag = (name: string, d: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const MU = flag('mu', 2);
const STEPS = flag('steps', 5);
const B = 64;
const U = MU * B;
const shape = INPUT_SHAPES.small;

async function main(): Promise<void> {
  tf.env().set('IS_TEST', false);
  installWasmTrainingKernels();
  await tf.setBackend('wasm');
  const tables: Record<string, Map<string, { ms: number; calls: number }>> = {};
  const wall: Record<string, number> = {};
  const trainers = { fixmatch: await benchTrainer('fixmatch', MU, B), tear: await benchTrainer('tear', MU, B) };
  const times: Record<string, number[]> = { fixmatch: [], tear: [], ratio: [] };
  for (let i = 0; i < STEPS + 2; i++) {
    const [f] = await timeCalls(() => trainers.fixmatch.trainStep(), 0, 1);
    const [t] = await timeCalls(() => trainers.tear.trainStep(), 0, 1);
    if (i < 2) continue;
    times.fixmatch.push(f);
    times.tear.push(t);
    times.ratio.push(t / f);
  }
  for (const method of ['fixmatch', 'tear'] as const) {
    wall[method] = median(times[method]);
    tables[method] = kernelTable(await tf.profile(() => trainers[method].trainStep()));
    trainers[method].dispose();
  }
  const names = new Set([...Object.keys(Object.fromEntries(tables.fixmatch)), ...Object.keys(Object.fromEntries(tables.tear))]);
  const rows = [...names].map((n) => {
    const f = tables.fixmatch.get(n) ?? { ms: 0, calls: 0 };
    const t = tables.tear.get(n) ?? { ms: 0, calls: 0 };
    return { n, f, t, d: t.ms - f.ms };
  }).sort((a, b) => b.d - a.d);
  const sum = (m: Map<string, { ms: number }>) => [...m.values()].reduce((s, e) => s + e.ms, 0);
  console.log(`wall median: fixmatch ${wall.fixmatch.toFixed(0)} ms, tear ${wall.tear.toFixed(0)} ms, ratio ${(wall.tear / wall.fixmatch).toFixed(3)}; per-pair ratios ${times.ratio.map((r) => r.toFixed(2)).join(' ')}`);
  console.log(`kernel sums: fixmatch ${sum(tables.fixmatch).toFixed(0)} ms, tear ${sum(tables.tear).toFixed(0)} ms`);
  console.log('kernel | fixmatch calls ms | tear calls ms | Δms');
  for (const r of rows.slice(0, 25)) console.log(`${r.n} | ${r.f.calls} ${r.f.ms.toFixed(1)} | ${r.t.calls} ${r.t.ms.toFixed(1)} | ${r.d.toFixed(1)}`);

  // Pieces alone.
  const teacher = createBenchModel('small');
  const student = createBenchModel('small');
  const x = tf.randomNormal([U, ...shape], 0, 1, 'float32', 5) as tf.Tensor4D;
  const ref = () => tf.tidy(() => {
    const [logits, features] = teacher.apply(x, { training: false }) as tf.Tensor[];
    return { probs: softmaxProbabilities(logits as tf.Tensor2D), features: features as tf.Tensor2D };
  });
  const refMs = median(await timeCalls(() => { const r = ref(); r.probs.dataSync(); tf.dispose([r.probs, r.features]); }, 1, STEPS));
  const r = ref();
  const studentFeatures = tf.tidy(() => (student.apply(x, { training: false }) as tf.Tensor[])[1]) as tf.Tensor2D;
  const km = { restarts: 3, maxIterations: 20, tolerance: 1e-4 };
  const kmMs = median(await timeCalls(() => { const k = kmeans({ x: studentFeatures }, { ...km, k: NUM_CLASSES, seed: 1 }); tf.dispose([k.assignments, k.centroids]); }, 1, STEPS));
  const km1Ms = median(await timeCalls(() => { const k = kmeans({ x: studentFeatures }, { ...km, k: NUM_CLASSES, restarts: 1, seed: 1 }); tf.dispose([k.assignments, k.centroids]); }, 1, STEPS));
  const labels = hardPseudoLabels(r.probs).labels;
  const iphMs = median(await timeCalls(() => {
    const res = iphLoss({ studentFeatures, referenceFeatures: r.features, referenceAssignments: labels }, { numClusters: NUM_CLASSES, seed: 1, kmeans: km });
    res.loss.dataSync();
    tf.dispose([res.loss, res.assignments]);
  }, 1, STEPS));
  const iphGradMs = median(await timeCalls(() => {
    const g = tf.grad((f: tf.Tensor) => iphLoss({ studentFeatures: f as tf.Tensor2D, referenceFeatures: r.features, referenceAssignments: labels }, { numClusters: NUM_CLASSES, seed: 1, kmeans: km }).loss)(studentFeatures);
    g.dataSync();
    g.dispose();
  }, 1, STEPS));
  const weights = Object.fromEntries(student.weights.map((w, i) => [`v${i}`, w.read()]));
  let ema = emaInit(weights);
  const emaMs = median(await timeCalls(() => {
    const next = emaUpdate(ema, weights, { momentum: 0.999 });
    tf.dispose(Object.values(ema.weights));
    ema = next;
    next.weights.v0.dataSync();
  }, 1, STEPS));
  const assignMs = median(await timeCalls(() => {
    teacher.weights.forEach((w, i) => w.write(ema.weights[`v${i}`]));
  }, 1, STEPS));
  console.log(`alone: reference forward [${U}] ${refMs.toFixed(1)} ms; kmeans(3 restarts) ${kmMs.toFixed(1)} ms; kmeans(1 restart) ${km1Ms.toFixed(1)} ms; iphLoss fwd ${iphMs.toFixed(1)} ms; iphLoss fwd+grad ${iphGradMs.toFixed(1)} ms; emaUpdate ${emaMs.toFixed(1)} ms; teacher assign ${assignMs.toFixed(1)} ms`);
}

await main();
