/**
 * A long soak of the trainer (issue 22): trains the small CNN on the embedded digits for N steps, samples
 * tf.memory() (tensors, bytes) and process memory (RSS, heap, after a full GC) every K steps, writes a
 * JSON record under soak/records/, and exits 1 when tensors grow at all, or RSS or the heap grow beyond
 * their tolerance, after the warm-up. Not part of the unit suite: it takes minutes to hours.
 *
 *   npm run soak -- --backend tensorflow --steps 10000
 *   npm run soak -- --backend wasm --steps 10000 --every 100
 *
 * Options: --backend cpu|wasm|tensorflow (default tensorflow), --steps N (10000), --every K (N/100, at
 * least 10), --method M (tear: EMA, the DA queue, AdaPL and IPH's k-means all run), --warmup S (N/10, at
 * least 100, at most N/2),
 * --eval-every E (N/4: evaluation runs too), --rss-tolerance-mib (64), --heap-tolerance-mib (32),
 * --out DIR (soak/records), --no-record (print only). `npm run docs:render` summarises the records in
 * docs/reliability.md.
 */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { memoryIo } from '../src/cli/io';
import { prepareData } from '../src/cli/prepareData';
import { endSegment, startSegment } from '../src/cli/provenance';
import { resolveTrainSettings } from '../src/cli/resolveSettings';
import { buildModel, normalizer } from '../src/cli/runRecipe';
import { trainerConfig, trainerSetup } from '../src/cli/trainerInputs';
import { useBackend } from '../src/cli/useBackend';
import { SemiSupervisedTrainer } from '../src/training/trainer';
import { writeFileAtomic } from '../src/util/atomicWrite';
import { soakVerdict, type SoakRecord, type SoakSample } from './soakRecord';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MiB = 2 ** 20;
const round2 = (v: number): number => Math.round(v * 100) / 100;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`soak: --${name} must be a non-negative number, got '${raw}'`);
  return n;
}

/** The record as JSON: indented, one sample per line (a 10,000-step record stays readable). */
function recordJson(record: SoakRecord): string {
  const samples = `[\n${record.samples.map((s) => `    ${JSON.stringify(s)}`).join(',\n')}\n  ]`;
  return `${JSON.stringify({ ...record, samples: '$samples' }, null, 2).replace('"$samples"', samples)}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'tensorflow' }, steps: { type: 'string' }, every: { type: 'string' }, method: { type: 'string', default: 'tear' },
      warmup: { type: 'string' }, 'eval-every': { type: 'string' }, 'rss-tolerance-mib': { type: 'string' }, 'heap-tolerance-mib': { type: 'string' },
      out: { type: 'string' }, 'no-record': { type: 'boolean', default: false },
    },
  });
  const steps = Math.round(positive('steps', values.steps, 10_000));
  const every = Math.max(1, Math.round(positive('every', values.every, Math.max(10, Math.floor(steps / 100)))));
  // the DA queue fills in its first 32 steps, EMA warm-up and the Adam slots settle: judge from step 100 or N/10
  const warmup = Math.round(positive('warmup', values.warmup, Math.min(Math.max(100, Math.floor(steps / 10)), Math.floor(steps / 2))));
  const evalEvery = Math.round(positive('eval-every', values['eval-every'], Math.floor(steps / 4)));
  const tolerances = { numTensors: 0, numBytes: 0, rssMiB: positive('rss-tolerance-mib', values['rss-tolerance-mib'], 64), heapMiB: positive('heap-tolerance-mib', values['heap-tolerance-mib'], 32) };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) console.error('soak: warning: run with node --expose-gc (npm run soak does) for heap and RSS samples after a full GC');

  const settings = resolveTrainSettings({
    dataset: 'digits', method: values.method, steps, backend: values.backend, evalEvery, checkpointEvery: 0, progress: false,
  });
  const io = memoryIo();
  const backend = await useBackend(settings.backend, io, true);
  const data = await prepareData(settings);
  const model = buildModel(settings.dataset, data, settings.seed);
  const samples: SoakSample[] = [];
  let started = performance.now();
  const sample = (step: number): void => {
    gc?.();
    const m = tf.memory();
    const p = process.memoryUsage();
    samples.push({
      step, numTensors: m.numTensors, numBytes: m.numBytes, rssMiB: round2(p.rss / MiB), heapUsedMiB: round2(p.heapUsed / MiB),
      externalMiB: round2(p.external / MiB), seconds: round2((performance.now() - started) / 1000),
    });
    if (samples.length % 10 === 1 || step === steps) {
      const s = samples[samples.length - 1];
      console.log(`step ${step}/${steps}: ${s.numTensors} tensors, ${s.numBytes} B; RSS ${s.rssMiB} MiB, heap ${s.heapUsedMiB} MiB; ${s.seconds} s`);
    }
  };
  const setup = trainerSetup(settings, data, model, normalizer(data.normalization), {
    onStepEnd: async (k) => {
      if ((k + 1) % every === 0 || k + 1 === steps) sample(k + 1);
    },
  });
  const trainer = await SemiSupervisedTrainer.create({ ...setup, config: trainerConfig(settings, data) });
  const segment = startSegment(0, backend.reason);
  console.log(`soak: ${settings.method} on digits, ${steps} steps on ${backend.name}, sampling every ${every}; judged from step ${warmup}`);
  started = performance.now();
  sample(0);
  try {
    await trainer.run(steps, { keepLogs: false });
  } finally {
    trainer.dispose();
    model.dispose();
  }
  const verdict = soakVerdict(samples, warmup, tolerances);
  const argv = process.argv.slice(2).join(' ');
  const record: SoakRecord = {
    kind: 'tear-ssl soak', version: 1, command: `npm run soak -- ${argv}`.trim(),
    settings: { dataset: 'digits', method: settings.method, model: 'small-cnn', backend: backend.name, steps, every, batchSize: settings.batchSize, mu: settings.mu, evalEvery },
    segment: endSegment(segment, steps), gcExposed: gc !== undefined, tolerances, samples, verdict,
  };
  console.log(`soak: tensors ${verdict.numTensorsGrowth >= 0 ? '+' : ''}${verdict.numTensorsGrowth}, bytes ${verdict.numBytesGrowth >= 0 ? '+' : ''}${verdict.numBytesGrowth}, ` +
    `RSS ${verdict.rssGrowthMiB} MiB (slope ${verdict.rssSlopeMiBPer1000Steps} MiB/1000 steps), heap ${verdict.heapGrowthMiB} MiB after warm-up: ${verdict.pass ? 'pass' : 'FAIL'}`);
  for (const f of verdict.failures) console.error(`soak: ${f}`);
  if (!values['no-record']) {
    const dir = resolve(values.out ?? join(ROOT, 'soak', 'records'));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${record.segment.started.replace(/[:.]/g, '-')}-${backend.name}-${steps}.json`);
    await writeFileAtomic(file, recordJson(record), { what: 'soak record' });
    console.log(`soak: record ${relative(process.cwd(), file)}`);
  }
  return verdict.pass ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main();
