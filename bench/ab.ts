/**
 * A/B timing of the batched update paths (src/util/fusedUpdates.ts: optimizer, gradient clipping and
 * EMA updates batched across variables, the one-sum divergence check, the geometric RandAugment
 * operations warped together) against the per-variable paths they replace, in one process. Both
 * variants compute the same bits (test/training/fusedUpdates.test.ts), so two trainers built alike
 * step in lockstep: each round runs step k of both, in the order A B then B A on alternate rounds, and
 * the ratio new/old is taken per round, then the median. Wall-clock and process CPU time per step.
 *
 *   npm run bench:ab -- [--backend tensorflow|wasm|cpu] [--models small,wrn] [--methods fixmatch,tear]
 *     [--batch 32] [--mu 3] [--rounds 30] [--warmup 3] [--pieces] [--allow-busy]
 * `--pieces` adds the pieces alone: strongAugment of the unlabeled batch, clip + optimizer update, EMA update.
 * Refuses to run on a busy machine (1-minute load above bench/quiet.ts's limit per core) unless --allow-busy.
 * For tfjs-node, TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS are read when it loads.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { strongAugment } from '../src/augment/randAugment';
import { selectBackend, type BackendChoice } from '../src/backends/selectBackend';
import { emaInit, emaUpdate } from '../src/state/ema';
import { clipGradientValues } from '../src/training/gradientClipping';
import { DEFAULT_OPTIMIZER, optimizerInit, optimizerUpdate } from '../src/training/optimizer';
import { appliesWeightDecay } from '../src/training/weightDecay';
import { setFusedUpdates } from '../src/util/fusedUpdates';
import { createBenchModel, INPUT_SHAPES, sslBenchTrainer, type BenchModel } from './benchModels';
import { BUSY_LOAD_PER_CORE } from './quiet';
import { median } from './timing';

const argv = process.argv.slice(2);
const value = (name: string, d: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : d;
};
const BACKEND = value('backend', 'tensorflow') as BackendChoice;
const MODELS = value('models', 'small').split(',') as BenchModel[];
const METHODS = value('methods', 'fixmatch,tear').split(',') as Array<'fixmatch' | 'tear'>;
const B = Number(value('batch', '32'));
const MU = Number(value('mu', '3'));
const ROUNDS = Number(value('rounds', '30'));
const WARMUP = Number(value('warmup', '3'));

interface Sample { wall: number; cpu: number }

async function timed(fn: () => unknown): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/** Runs `old` and `now` alternately (A B, then B A) for WARMUP + ROUNDS rounds, each under its own setting; returns the timed rounds. */
async function interleave(old: () => unknown, now: () => unknown): Promise<{ old: Sample[]; now: Sample[] }> {
  const out = { old: [] as Sample[], now: [] as Sample[] };
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    const order: Array<'old' | 'now'> = r % 2 === 0 ? ['old', 'now'] : ['now', 'old'];
    const got: Partial<Record<'old' | 'now', Sample>> = {};
    for (const which of order) {
      setFusedUpdates(which === 'now');
      got[which] = await timed(which === 'now' ? now : old);
    }
    setFusedUpdates(true);
    if (r >= WARMUP) {
      out.old.push(got.old as Sample);
      out.now.push(got.now as Sample);
    }
  }
  return out;
}

function report(name: string, s: { old: Sample[]; now: Sample[] }): void {
  const ratio = median(s.now.map((n, i) => n.wall / s.old[i].wall));
  const cpuRatio = median(s.now.map((n, i) => n.cpu / s.old[i].cpu));
  const m = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k])).toFixed(1);
  console.log(`| ${name} | ${m(s.old, 'wall')} | ${m(s.now, 'wall')} | ${ratio.toFixed(3)} | ${m(s.old, 'cpu')} | ${m(s.now, 'cpu')} | ${cpuRatio.toFixed(3)} |`);
}

async function main(): Promise<void> {
  const cores = os.cpus().length;
  const load = os.loadavg()[0];
  if (load > BUSY_LOAD_PER_CORE * cores && !argv.includes('--allow-busy')) {
    console.error(`bench/ab.ts: the machine is busy (1-minute load ${load.toFixed(1)} on ${cores} cores, more than ${BUSY_LOAD_PER_CORE} per core); times would mean nothing. Run it in a quiet window, or pass --allow-busy.`);
    process.exit(2);
  }
  const selected = await selectBackend({ backend: BACKEND });
  tf.env().set('IS_TEST', false);
  console.log(`${selected.reason}; TF_NUM_INTRAOP_THREADS=${process.env.TF_NUM_INTRAOP_THREADS ?? '(unset)'}`);
  console.log(`${new Date().toISOString()}; Node ${process.version}; tfjs ${tf.version.tfjs}; B = ${B}, μ = ${MU}; ${ROUNDS} rounds after ${WARMUP} warm-up; load average at start ${os.loadavg().map((l) => l.toFixed(1)).join('/')}`);
  console.log('\nold: per-variable updates (setFusedUpdates(false)); new: batched (default). ms per call, medians; new/old: median of the per-round ratios.\n');
  console.log('| workload | old wall | new wall | new/old wall | old CPU | new CPU | new/old CPU |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const model of MODELS) {
    for (const method of METHODS) {
      const a = await sslBenchTrainer(method, B, MU, 'real', model);
      const b = await sslBenchTrainer(method, B, MU, 'real', model);
      report(`${model} ${method} trainStep`, await interleave(() => a.trainStep(), () => b.trainStep()));
      a.dispose();
      b.dispose();
    }
    if (argv.includes('--pieces')) {
      const shape = INPUT_SHAPES[model];
      const u = tf.randomUniform([B * MU, ...shape], 0, 1, 'float32', 3) as tf.Tensor4D;
      const strong = strongAugment();
      let seed = 0;
      const augment = () => tf.dispose(strong(u, seed++));
      report(`${model} strongAugment [${B * MU}]`, await interleave(augment, augment));
      u.dispose();
      const net = createBenchModel(model);
      const params = Object.fromEntries(net.trainableWeights.map((w) => [w.name, w.read()]));
      const grads = tf.tidy(() => Object.fromEntries(Object.entries(params).map(([k, p]) => [k, tf.randomNormal(p.shape, 0, 1, 'float32', 4)])));
      const state = optimizerInit(DEFAULT_OPTIMIZER, params);
      const update = () => {
        const clipped = clipGradientValues(grads, 1);
        const r = optimizerUpdate(DEFAULT_OPTIMIZER, state, params, clipped, { learningRate: 0.03, decays: appliesWeightDecay });
        tf.dispose([...Object.values(clipped), ...Object.values(r.params), ...Object.values(r.state.slots).flatMap((s) => Object.values(s))]);
      };
      report(`${model} clip + optimizer update`, await interleave(update, update));
      const weights = Object.fromEntries(net.weights.map((w) => [w.name, w.read()]));
      const ema = emaInit(weights);
      const average = () => tf.dispose(Object.values(emaUpdate(ema, weights, { momentum: 0.999, copy: (k) => /moving_/.test(k) }).weights));
      report(`${model} EMA update`, await interleave(average, average));
      tf.dispose([...Object.values(grads), ...Object.values(state.slots).flatMap((s) => Object.values(s)), ...Object.values(ema.weights)]);
      net.dispose();
    }
  }
  console.log(`\nload average at end ${os.loadavg().map((l) => l.toFixed(1)).join('/')}`);
}

await main();
