/**
 * Kernels per training step, by phase and by kernel name: deterministic counts, no timing, so the
 * output can be recorded on a busy machine. tfjs-node pays a fixed cost per op (tens of µs) and wasm
 * a fixed cost per kernel dispatch, so a count that drops is a step that gets cheaper.
 *
 * Workloads (one warm-up step, then one counted step):
 *   fixmatch  SemiSupervisedTrainer.trainStep, method 'fixmatch' (default config: distribution alignment on),
 *   tear      the same with method 'tear',
 *             both with the package's weakAugment()/strongAugment(), EMA reference, B labeled + μ·B unlabeled;
 *   raw       the bench's raw training step: forward + softmax cross-entropy + backward + tf.train.sgd, batch --raw-batch.
 * Models: small (createSmallCnn, 28×28×1) and wrn (WRN-28-2, 32×32×3). Each backend runs in its own
 * child process (the training kernels each backend installs stay apart).
 *
 * Counted per phase (found from the JavaScript stack of each dispatch): engine kernels (every
 * tf.engine().runKernel, nested ones included, e.g. the ops inside a kernel written in tensor ops),
 * and on tensorflow also TF ops (each `executeOp` of tfjs-node's binding: what libtensorflow runs)
 * and uploads (TF tensors made from JavaScript values: scalars of `x.mul(0.9)`, Reshape's shape
 * argument, …); device reads (`engine.read`/`readSync`) per workload.
 *
 * With `--legacy` each trainer workload also runs with the per-variable update paths
 * (setFusedUpdates(false), src/util/fusedUpdates.ts), so one run shows both.
 *
 *   npm run bench:kernels -- [--backends tensorflow,wasm] [--models small,wrn] [--workloads fixmatch,tear,raw]
 *     [--batch 32] [--mu 3] [--raw-batch 64] [--wasm-wrn-batch 8] [--legacy] [--record]
 * `--record` writes the output to bench/results/kernel-counts-<commit>.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '../src/backends/selectBackend';
import { setFusedUpdates } from '../src/util/fusedUpdates';
import { benchLoss, createBenchModel, INPUT_SHAPES, NUM_CLASSES, sslBenchTrainer, type BenchModel } from './benchModels';

const argv = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const BACKENDS = (value('backends') ?? 'tensorflow,wasm').split(',') as BackendChoice[];
const MODELS = (value('models') ?? 'small,wrn').split(',') as BenchModel[];
const WORKLOADS = (value('workloads') ?? 'fixmatch,tear,raw').split(',') as Workload[];
const B = Number(value('batch') ?? '32');
const MU = Number(value('mu') ?? '3');
const RAW_B = Number(value('raw-batch') ?? '64');
const LEGACY = argv.includes('--legacy');
/** WRN trainer steps on wasm at B = 32, μ = 3 exceed wasm's heap: a smaller batch there (counts barely depend on it). */
const WASM_WRN_BATCH = Number(value('wasm-wrn-batch') ?? '8');

type Workload = 'fixmatch' | 'tear' | 'raw';
interface Count { kernels: number; ops: number; uploads: number }
interface Tally {
  phases: Record<string, Count>; names: Record<string, Record<string, number>>; opNames: Record<string, number>; reads: number;
  /** Backward kernels by the gradient that ran them. */
  backward: Record<string, Count>;
}
interface ChildResult { backend: string; description: string; runs: Array<{ model: BenchModel; workload: string; tally: Tally }> }

// ---- phases, from the stack of each dispatch (first rule that matches) ----
type Rule = [string, (s: string) => boolean];
const has = (re: RegExp) => (s: string) => re.test(s);
const inObjective = has(/objectiveTerms|semiSupervisedObjective/);
const modelForward = has(/src[\\/]training[\\/]trainableModel\.ts|tfjs-layers/);
export const PHASES: Rule[] = [
  ['backward', has(/backpropagateGradients/)],
  ['augment: strong (flip/crop + RandAugment + Cutout)', has(/src[\\/]augment[\\/]randAugment\.ts/)],
  ['augment: weak (flip/crop)', has(/src[\\/]augment[\\/]/)],
  ['optimizer (decay, momentum, assign)', has(/src[\\/]training[\\/](optimizer|gradientClipping|weightDecay|fusedUpdates)\.ts|optimizerStep|commitUpdate|applyGradients/)],
  ['EMA update + teacher', has(/src[\\/]state[\\/]ema\.ts|updateEma|assignTeacher/)],
  ['divergence check', has(/src[\\/]training[\\/]divergence\.ts|firstNonFinite/)],
  ['logging (step logs)', has(/stepLogs|src[\\/]metrics[\\/]/)],
  ['DA (distribution alignment)', has(/distributionAlignment\.ts/)],
  ['IPH (k-means, prototypes)', has(/iphTerm|src[\\/]math[\\/](iphLoss|kmeans|clusterPrototypes|matchPrototypes|groups)/)],
  ['AdaPL targets + loss estimator', has(/adapl|lossEstimat|temporalMemory|ensembleLoss/i)],
  ['forward (student, training mode)', (s) => inObjective(s) && modelForward(s)],
  ['loss, pseudo-labels, masks', inObjective],
  ['reference forward (EMA, weak u)', (s) => modelForward(s) && /trainStep/.test(s) && !/benchLoss/.test(s)],
  ['forward (raw step)', (s) => /benchLoss/.test(s) && /tfjs-layers/.test(s)],
  ['loss (raw step)', has(/benchLoss/)],
  ['trainer (other: statistics copy, …)', has(/src[\\/]training[\\/]trainer\.ts/)],
];
const OTHER = 'input batches (bench data)';

function phaseOf(stack: string): string {
  for (const [name, test] of PHASES) if (test(stack)) return name;
  return OTHER;
}

const empty = (): Tally => ({ phases: {}, names: {}, opNames: {}, reads: 0, backward: {} });
let active: Tally | null = null;
const phaseCache = new Map<string, [string, string]>();

/** Which gradient a backward dispatch belongs to: tfjs-core's `<Kernel>_grad`, or tear-ssl's gradient files. */
function gradientOf(stack: string): string {
  const m = /[\\/]gradients[\\/](\w+)_grad\.[jt]s/.exec(stack) ?? /src[\\/]backends[\\/](?:\w+[\\/])+(\w+)\.ts/.exec(stack);
  return m !== null ? m[1] : 'tape (dy seed, accumulation)';
}

function currentPhase(): [string, string] {
  const stack = new Error().stack ?? '';
  let p = phaseCache.get(stack);
  if (p === undefined) {
    const phase = phaseOf(stack);
    p = [phase, phase === 'backward' ? gradientOf(stack) : ''];
    phaseCache.set(stack, p);
  }
  return p;
}

function record(kind: keyof Count, name: string): void {
  if (active === null) return;
  const t = active;
  active = null; // a hook must not count the work it does itself
  try {
    const [phase, gradient] = currentPhase();
    const c = (t.phases[phase] ??= { kernels: 0, ops: 0, uploads: 0 });
    c[kind] += 1;
    if (gradient !== '') (t.backward[gradient] ??= { kernels: 0, ops: 0, uploads: 0 })[kind] += 1;
    if (kind === 'kernels') {
      const byPhase = (t.names[name] ??= {});
      byPhase[phase] = (byPhase[phase] ?? 0) + 1;
    } else if (kind === 'ops') {
      t.opNames[name] = (t.opNames[name] ?? 0) + 1;
    }
  } finally {
    active = t;
  }
}

function installHooks(): void {
  Error.stackTraceLimit = 200;
  const engine = tf.engine() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const runKernel = engine.runKernel.bind(engine);
  engine.runKernel = (name: unknown, ...rest: unknown[]) => {
    record('kernels', name as string);
    return runKernel(name, ...rest);
  };
  for (const read of ['read', 'readSync'] as const) {
    const original = engine[read].bind(engine);
    engine[read] = (...a: unknown[]) => {
      if (active !== null) active.reads += 1;
      return original(...a);
    };
  }
  const backend = tf.backend() as unknown as { binding?: Record<string | symbol, unknown> };
  const binding = backend.binding;
  if (binding !== undefined) {
    // tfjs-node's binding object is frozen: the backend gets a copy whose executeOp and createTensor count.
    const copy = Object.create(binding) as Record<string | symbol, unknown>;
    const wrap = (key: string, kind: keyof Count) => {
      const f = binding[key] as (...a: unknown[]) => unknown;
      Object.defineProperty(copy, key, {
        value: (...a: unknown[]) => {
          record(kind, kind === 'ops' ? a[0] as string : '');
          return f.apply(binding, a);
        },
      });
    };
    wrap('executeOp', 'ops');
    wrap('createTensor', 'uploads');
    backend.binding = copy;
  }
}

async function counted(fn: () => Promise<unknown> | unknown): Promise<Tally> {
  const t = empty();
  active = t;
  try {
    await fn();
  } finally {
    active = null;
  }
  return t;
}

const batchFor = (backend: string, model: BenchModel): number => (backend === 'wasm' && model === 'wrn' ? Math.min(B, WASM_WRN_BATCH) : B);

async function child(backend: BackendChoice): Promise<ChildResult> {
  const selected = await selectBackend({ backend });
  tf.env().set('IS_TEST', false);
  installHooks();
  const runs: ChildResult['runs'] = [];
  for (const model of MODELS) {
    for (const workload of WORKLOADS) {
      const variants: Array<[string, boolean]> = workload !== 'raw' && LEGACY ? [[`${workload} (legacy)`, false], [workload, true]] : [[workload, true]];
      for (const [label, fused] of variants) {
        setFusedUpdates(fused);
        if (workload === 'raw') {
          const m = createBenchModel(model);
          const optimizer = tf.train.sgd(0.01);
          const b = tf.tidy(() => ({
            x: tf.randomNormal([RAW_B, ...INPUT_SHAPES[model]], 0, 1, 'float32', 7),
            y: tf.oneHot(tf.randomUniform([RAW_B], 0, NUM_CLASSES, 'int32', 8), NUM_CLASSES).toFloat(),
          }));
          const step = () => {
            const cost = optimizer.minimize(() => benchLoss(m, b), true);
            cost?.dataSync();
            cost?.dispose();
          };
          step();
          runs.push({ model, workload: label, tally: await counted(step) });
          tf.dispose([b.x, b.y]);
          m.dispose();
          optimizer.dispose();
        } else {
          const trainer = await sslBenchTrainer(workload, batchFor(backend, model), MU, 'real', model);
          await trainer.trainStep();
          runs.push({ model, workload: label, tally: await counted(() => trainer.trainStep()) });
          trainer.dispose();
        }
        process.stderr.write(`  ${backend} ${model} ${label} counted\n`);
      }
    }
  }
  setFusedUpdates(true);
  return { backend: tf.getBackend(), description: selected.reason, runs };
}

// ---- the parent: one child per backend, then the tables ----
function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha} + uncommitted changes` : sha;
  } catch {
    return 'unknown';
  }
}

const MODEL_TITLES: Record<BenchModel, string> = { small: 'small CNN 28×28×1', wrn: 'WRN-28-2 32×32×3' };
const sumOf = (t: Tally, k: keyof Count): number => Object.values(t.phases).reduce((s, c) => s + c[k], 0);

function tables(results: ChildResult[], commit: string): string[] {
  const out: string[] = [];
  const say = (s = '') => out.push(s);
  say('# Kernels per training step');
  say();
  say(`Commit: ${commit}; Node ${process.version}; tfjs ${tf.version.tfjs}; \`npm run bench:kernels -- ${argv.filter((a) => a !== '--record').join(' ')}\``);
  say(`Trainer steps: B = ${B}, μ = ${MU} (U = ${B * MU}), weakAugment() + strongAugment(), default config (distribution alignment on), EMA reference; raw step: batch ${RAW_B}, softmax cross-entropy, tf.train.sgd.`);
  say('One warm-up step, then one counted step. kernels: engine dispatches (nested ones included); TF ops: libtensorflow ops run by tfjs-node; uploads: TF tensors made from JavaScript values; reads: device reads.');
  for (const r of results) {
    say();
    say(`## Backend ${r.backend}`);
    say();
    say(r.description.replace(/\/[^\s]*\/node_modules\//g, 'node_modules/'));
    const tf = r.backend === 'tensorflow';
    for (const model of MODELS) {
      const runs = r.runs.filter((x) => x.model === model);
      if (runs.length === 0) continue;
      say();
      say(`### ${MODEL_TITLES[model]} on ${r.backend}: per phase`);
      say();
      if (batchFor(r.backend, model) !== B) {
        say(`Trainer steps here at B = ${batchFor(r.backend, model)}, μ = ${MU} (B = ${B} exceeds the wasm heap); the counts depend on B only through which RandAugment operations a batch draws.`);
        say();
      }
      const cols = runs.map((x) => x.workload);
      const cell = (c: Count | undefined) => (c === undefined ? '' : tf ? `${c.kernels} / ${c.ops} / ${c.uploads}` : `${c.kernels}`);
      say(`| phase | ${cols.join(' | ')} |`);
      say(`|---|${cols.map(() => '---:').join('|')}|`);
      const phaseNames = [...PHASES.map(([n]) => n), OTHER].filter((p) => runs.some((x) => x.tally.phases[p] !== undefined));
      for (const p of phaseNames) say(`| ${p} | ${runs.map((x) => cell(x.tally.phases[p])).join(' | ')} |`);
      say(`| **whole step** | ${runs.map((x) => `**${cell({ kernels: sumOf(x.tally, 'kernels'), ops: sumOf(x.tally, 'ops'), uploads: sumOf(x.tally, 'uploads') })}**`).join(' | ')} |`);
      say(`| device reads | ${runs.map((x) => x.tally.reads).join(' | ')} |`);
      say();
      say(tf ? 'Cells: kernels / TF ops / uploads.' : 'Cells: kernels.');
      for (const x of runs) {
        say();
        say(`#### ${MODEL_TITLES[model]} on ${r.backend}, ${x.workload}: kernels by name (count, and the phases they ran in)`);
        say();
        const rows = Object.entries(x.tally.names).map(([name, byPhase]) => ({ name, total: Object.values(byPhase).reduce((s, v) => s + v, 0), byPhase }))
          .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
        say('| kernel | count | by phase |');
        say('|---|---:|---|');
        for (const row of rows) {
          const parts = Object.entries(row.byPhase).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([p, n]) => `${p.split(' (')[0]} ${n}`);
          say(`| ${row.name} | ${row.total} | ${parts.join(', ')} |`);
        }
        const grads = Object.entries(x.tally.backward).sort((a, b) => b[1].kernels - a[1].kernels || a[0].localeCompare(b[0]));
        say();
        say(`Backward by gradient (${tf ? 'kernels / TF ops / uploads' : 'kernels'}): ${grads.map(([n, c]) => `${n} ${cell(c)}`).join(', ')}`);
        if (tf) {
          const ops = Object.entries(x.tally.opNames).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
          say();
          say(`TF ops by name: ${ops.map(([n, c]) => `${n} ${c}`).join(', ')}`);
        }
      }
    }
  }
  return out;
}

async function main(): Promise<void> {
  const childBackend = value('child');
  if (childBackend !== undefined) {
    const result = await child(childBackend as BackendChoice);
    process.stdout.write(`\n@@RESULT@@${JSON.stringify(result)}\n`);
    return;
  }
  const here = fileURLToPath(import.meta.url);
  // Taken before the children load the sources: what they count is this commit (plus the changes, if any).
  const commit = gitCommit();
  const results: ChildResult[] = [];
  for (const backend of BACKENDS) {
    process.stderr.write(`counting on ${backend} …\n`);
    const r = spawnSync(process.execPath, [...process.execArgv, here, ...argv, '--child', backend], {
      encoding: 'utf8', maxBuffer: 256 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT@@'));
    if (r.status !== 0 || line === undefined) throw new Error(`the ${backend} child failed (status ${r.status})`);
    results.push(JSON.parse(line.slice('@@RESULT@@'.length)) as ChildResult);
  }
  const lines = tables(results, commit);
  console.log(lines.join('\n'));
  if (argv.includes('--record')) {
    const sha = commit.split(' ')[0];
    const file = path.join(path.dirname(here), 'results', `kernel-counts-${sha}.md`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    process.stderr.write(`recorded ${path.relative(process.cwd(), file)}\n`);
  }
}

await main();
