/**
 * A/B timing of one kernel change in one process, on tfjs-node (default) or, with `--backend wasm`, on
 * the wasm backend with tear-ssl's training kernels: one trainer per model and method
 * (B = 32, μ = 3, the package's weak and strong augmentations, default config), steps alternating
 * between the change off (old) and on (new) (A B, then B A on the next round), ms per step and the
 * median of the per-round ratios new/old. The trainer's weights move on between steps either way,
 * so both forms time the same kind of step. Changes:
 *   fused-batch-norm  training-mode batch norm as one TensorFlow kernel (fusedBatchNormTraining.ts)
 *   gather            GatherV2 without tfjs-node's JavaScript read of the indices (gatherWithoutRead.ts)
 *   onednn-max-pool   training-mode MaxPooling2D as oneDNN's pooling with a workspace (oneDnnMaxPool.ts)
 *   prunable-conv     training-mode Conv2D as unfused ops, the first layer's dX skipped (src/backends/prunableConv2D.ts)
 *   composed-batch-norm  (wasm) training-mode batch norm as a few broadcasting ops with their own gradient (composedBatchNormTraining.ts)
 *   simd-kernels      (wasm) tear-ssl's SIMD kernels (src/backends/wasm/simd/) instead of the JavaScript heap loops
 *
 *   npx tsx bench/abTensorflowKernels.ts --change gather [--rounds 30] [--wrn-rounds 8] (0 skips WRN-28-2, which has no max pooling)
 *   npx tsx bench/abTensorflowKernels.ts --backend wasm --change composed-batch-norm --rounds 12 --wrn-rounds 3 --wrn-batch 16
 * `--batch` (default 32) and `--wrn-batch` (default: --batch) set B; U = 3·B. On wasm, WRN-28-2 at B = 32 (224 images a
 * step) does not fit in the wasm heap (4 GiB), so take --wrn-batch 16 there.
 * `--change a,b,c` toggles several changes together (old: all off; new: all on).
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { strongAugment } from '../src/augment/randAugment';
import { weakAugment } from '../src/augment/weakAugment';
import { selectBackend } from '../src/backends/selectBackend';
import { installFusedBatchNormTraining, uninstallFusedBatchNormTraining } from '../src/backends/tensorflow/fusedBatchNormTraining';
import { installGatherWithoutRead, uninstallGatherWithoutRead } from '../src/backends/tensorflow/gatherWithoutRead';
import { installOneDnnMaxPoolTraining, uninstallOneDnnMaxPoolTraining } from '../src/backends/tensorflow/oneDnnMaxPool';
import { installPrunableConv2DTraining, uninstallPrunableConv2DTraining } from '../src/backends/prunableConv2D';
import { installBatchNormTrainingCall, uninstallBatchNormTrainingCall } from '../src/backends/batchNormTrainingCall';
import { composedBatchNormTraining } from '../src/backends/composedBatchNormTraining';
import { setWasmSimdKernels } from '../src/backends/wasm/simd/simdKernels';
import { createSmallCnn } from '../src/models/smallCnn';
import { createWideResNet } from '../src/models/wideResNet';
import { SemiSupervisedTrainer } from '../src/training/trainer';
import { median } from './timing';

type Backend = 'tensorflow' | 'wasm';
const CHANGES: Record<string, { label: string; backends: Backend[]; install: () => unknown; uninstall: () => void }> = {
  'fused-batch-norm': { label: 'fused BN', backends: ['tensorflow'], install: installFusedBatchNormTraining, uninstall: uninstallFusedBatchNormTraining },
  gather: { label: 'GatherV2 without read', backends: ['tensorflow'], install: installGatherWithoutRead, uninstall: uninstallGatherWithoutRead },
  'onednn-max-pool': { label: 'oneDNN max pool', backends: ['tensorflow'], install: installOneDnnMaxPoolTraining, uninstall: uninstallOneDnnMaxPoolTraining },
  'prunable-conv': { label: 'unfused Conv2D', backends: ['tensorflow', 'wasm'], install: installPrunableConv2DTraining, uninstall: uninstallPrunableConv2DTraining },
  'composed-batch-norm': { label: 'composed BN', backends: ['wasm'],
    install: () => installBatchNormTrainingCall('wasm', composedBatchNormTraining), uninstall: () => uninstallBatchNormTrainingCall('wasm') },
  'simd-kernels': { label: 'SIMD kernels', backends: ['wasm'], install: () => setWasmSimdKernels(true), uninstall: () => setWasmSimdKernels(false) },
};

const argv = process.argv.slice(2);
const flag = (name: string, d: string): string => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : d);

async function main(): Promise<void> {
  const name = flag('change', '');
  const parts = name.split(',').filter(Boolean);
  const unknown = parts.filter((p) => CHANGES[p] === undefined);
  if (parts.length === 0 || unknown.length > 0) throw new Error(`bench/abTensorflowKernels: --change must be one or more (comma-separated) of ${Object.keys(CHANGES).join(', ')}, got '${name}'`);
  const backend = flag('backend', 'tensorflow') as Backend;
  if (backend !== 'tensorflow' && backend !== 'wasm') throw new Error(`bench/abTensorflowKernels: --backend must be tensorflow or wasm, got '${backend}'`);
  const elsewhere = parts.filter((p) => !CHANGES[p].backends.includes(backend));
  if (elsewhere.length > 0) throw new Error(`bench/abTensorflowKernels: ${elsewhere.join(', ')} change nothing on '${backend}'`);
  const change = {
    label: parts.map((p) => CHANGES[p].label).join(' + '),
    install: () => parts.forEach((p) => CHANGES[p].install()),
    uninstall: () => parts.forEach((p) => CHANGES[p].uninstall()),
  };
  const selected = await selectBackend({ backend });
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join('/');
  console.log(`Machine: ${os.cpus()[0]?.model.trim() ?? '?'}, ${os.cpus().length} logical cores; load average ${load()}`);
  console.log(`Date: ${new Date().toISOString()}; Node ${process.version}; tfjs ${tf.version.tfjs}; ${selected.reason.split(';').slice(0, 2).join(';')}`);
  console.log(`Change: ${name} (${change.label})`);
  console.log(`\n| model | method | old ms/step | ${change.label} ms/step | new/old (median of rounds) | tensors after warm-up → end |`);
  console.log('|---|---|---:|---:|---:|---|');
  for (const wrn of [false, true]) {
    if (wrn && flag('wrn-rounds', '8') === '0') continue;
    const batch = Number(wrn ? flag('wrn-batch', flag('batch', '32')) : flag('batch', '32'));
    const u = 3 * batch;
    for (const method of ['fixmatch', 'tear'] as const) {
      const shape: [number, number, number] = wrn ? [32, 32, 3] : [28, 28, 1];
      const build = () => (wrn ? createWideResNet({ inputShape: shape, numClasses: 10, seed: 1 }) : createSmallCnn({ inputShape: shape, numClasses: 10, seed: 1 }));
      const trainer = await SemiSupervisedTrainer.create({
        model: build(), createTeacher: build,
        labeled: (async function* () {
          for (let k = 0; ; k++) yield tf.tidy(() => ({ images: tf.randomUniform([batch, ...shape], 0, 1, 'float32', k) as tf.Tensor4D, labels: tf.randomUniform([batch], 0, 10, 'int32', k + 1) as tf.Tensor1D }));
        })(),
        unlabeled: (async function* () {
          for (let k = 0; ; k++) yield tf.tidy(() => ({ images: tf.randomUniform([u, ...shape], 0, 1, 'float32', k + 2) as tf.Tensor4D, indices: tf.range(k * u, (k + 1) * u, 1, 'int32') as tf.Tensor1D }));
        })(),
        weakAugment: weakAugment(), strongAugment: strongAugment(),
        config: { method, numClasses: 10, totalSteps: 1000 },
      });
      const step = async (on: boolean): Promise<number> => {
        if (on) change.install();
        else change.uninstall();
        const t0 = performance.now();
        await trainer.trainStep();
        return performance.now() - t0;
      };
      for (let k = 0; k < 3; k++) { await step(true); await step(false); }
      const tensors = tf.memory().numTensors;
      const old: number[] = []; const changed: number[] = []; const ratio: number[] = [];
      const rounds = Number(wrn ? flag('wrn-rounds', '8') : flag('rounds', '30'));
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? [true, false] : [false, true];
        const t: Record<string, number> = {};
        for (const on of order) t[String(on)] = await step(on);
        old.push(t.false); changed.push(t.true); ratio.push(t.true / t.false);
      }
      console.log(`| ${wrn ? 'WRN-28-2 32×32×3' : 'small CNN 28×28×1'} | ${method}, B = ${batch} | ${median(old).toFixed(1)} | ${median(changed).toFixed(1)} | ${median(ratio).toFixed(3)} | ${tensors} → ${tf.memory().numTensors} |`);
      change.install();
      trainer.dispose();
    }
  }
  console.log(`\nLoad average at the end: ${load()}.`);
}

void main();
