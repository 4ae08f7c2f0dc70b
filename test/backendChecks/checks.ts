/**
 * Backend checks: the exported math (valueCases.ts), every augmentation op and two training steps of
 * every registered method (../backends/kernelCoverageCases.ts) run on a reference backend (cpu) and on
 * the backend under test, and are compared number by number. Runs wherever tfjs runs: in Chromium on
 * WebGPU (test/browser/webgpu.browser.ts) and in Node on a real adapter (scripts/device/webgpu-check.sh).
 * No test runner: it returns a report of every check, and the callers fail on any that is not ok.
 */
import * as tf from '@tensorflow/tfjs';
import { TRAINING_METHODS } from '../../src/training/config';
import { augmentationOps, TINY_CNN, twoSteps, type TwoStepResult } from '../backends/kernelCoverageCases';
import { VALUE_CASES, type CaseOutput, type ValueCase } from './valueCases';

/**
 * Float32 tolerance of a value check: |x − x_ref| ≤ atol + rtol·|x_ref| elementwise. Backends round
 * differently (fused multiply-adds, exp/log approximations, summation order on the GPU), so 1e-4
 * relative, with 1e-5 absolute for values near zero: about 800 float32 ulps, far below any error that
 * would change a loss or a label. Integer, boolean and declared-exact outputs must be equal.
 */
export const VALUE_TOLERANCE = { rtol: 1e-4, atol: 1e-5 } as const;
/**
 * Tolerance of the training logs (loss, supervised, unlabeled, IPH after each of two steps): two
 * forward and backward passes through conv, batch norm and the optimizer compound the rounding
 * differences of many kernels, so 1e-3 relative, 1e-4 absolute.
 */
export const TRAINING_TOLERANCE = { rtol: 1e-3, atol: 1e-4 } as const;

export type CheckKind = 'value' | 'augmentation' | 'training' | 'memory';

export interface CheckResult {
  kind: CheckKind;
  name: string;
  ok: boolean;
  /** Why it failed (first offending output and element), or undefined. */
  message?: string;
  /** Largest |x − x_ref| over the compared floating-point outputs. */
  maxAbsError: number;
  /** Largest |x − x_ref| / (atol + rtol·|x_ref|): ≤ 1 passes. */
  worstRatio: number;
  /** Wall seconds on the backend under test (the reference's time not included). */
  seconds: number;
}

export interface CheckReport {
  backend: string;
  reference: string;
  valueTolerance: typeof VALUE_TOLERANCE;
  trainingTolerance: typeof TRAINING_TOLERANCE;
  trainingBackbone: string;
  trainingSide: number;
  results: CheckResult[];
  /** Tensors that checks which failed (threw) left behind; not counted against the final tensor count. */
  leftByFailures: number;
  numTensorsStart: number;
  numTensorsEnd: number;
  seconds: number;
}

export interface CheckOptions {
  /** The backend under test (already registered and able to initialise). */
  backend: string;
  /** Reference backend (default 'cpu'). */
  reference?: string;
  /** Methods for the training check (default every registered one). */
  methods?: readonly string[];
  /** Backbone of the training check (default the tiny test CNN, which the cpu reference can run). */
  trainingBackbone?: string;
  /** Image side of the training check (default 8). */
  trainingSide?: number;
  /** Only checks whose name contains this (default all). */
  filter?: string;
  /** Called after each check. */
  onResult?: (r: CheckResult) => void;
}

type Plain = { dtype: string; shape: number[]; values: ArrayLike<number> } | number | number[] | number[][];

async function readOutput(out: CaseOutput): Promise<Record<string, Plain>> {
  const plain: Record<string, Plain> = {};
  for (const [key, v] of Object.entries(out)) {
    plain[key] = v instanceof tf.Tensor ? { dtype: v.dtype, shape: v.shape, values: await v.data() as ArrayLike<number> } : v;
  }
  return plain;
}

const plainArray = (v: Float32Array | undefined): Plain => ({ dtype: 'float32', shape: [v?.length ?? 0], values: v ?? [] });

function flat(p: Plain): { values: ArrayLike<number>; shape: string; dtype: string } {
  if (typeof p === 'number') return { values: [p], shape: 'number', dtype: 'number' };
  if (Array.isArray(p)) return { values: (p as Array<number | number[]>).flat(), shape: `array(${p.length})`, dtype: 'number' };
  return { values: p.values, shape: `[${p.shape.join(',')}]`, dtype: p.dtype };
}

interface Comparison { ok: boolean; message?: string; maxAbsError: number; worstRatio: number }

/** Compares outputs key by key; `exact` keys (and int32/bool tensors) must be equal. */
export function compareOutputs(
  got: Record<string, Plain>, want: Record<string, Plain>, tol: { rtol: number; atol: number }, exact: readonly string[] = [],
): Comparison {
  let maxAbsError = 0;
  let worstRatio = 0;
  const problems: string[] = [];
  for (const key of Object.keys(want)) {
    if (!(key in got)) { problems.push(`${key}: missing`); continue; }
    const a = flat(got[key]);
    const b = flat(want[key]);
    if (a.shape !== b.shape || a.dtype !== b.dtype) { problems.push(`${key}: ${a.dtype} ${a.shape}, expected ${b.dtype} ${b.shape}`); continue; }
    const isExact = exact.includes(key) || a.dtype === 'int32' || a.dtype === 'bool';
    for (let i = 0; i < b.values.length; i++) {
      const x = a.values[i];
      const y = b.values[i];
      if (Number.isNaN(y) && Number.isNaN(x)) continue;
      if (isExact) {
        if (x !== y) { problems.push(`${key}[${i}] = ${x}, expected exactly ${y}`); break; }
        continue;
      }
      const err = Math.abs(x - y);
      const ratio = Number.isFinite(err) ? err / (tol.atol + tol.rtol * Math.abs(y)) : Infinity;
      if (Number.isFinite(err)) maxAbsError = Math.max(maxAbsError, err);
      worstRatio = Math.max(worstRatio, ratio);
      if (!(ratio <= 1)) { problems.push(`${key}[${i}] = ${x}, expected ${y} (|error| ${err.toExponential(2)})`); break; }
    }
  }
  return { ok: problems.length === 0, message: problems.length > 0 ? problems.join('; ') : undefined, maxAbsError, worstRatio };
}

/** Runs one value case on the active backend: outputs read back, every tensor it made disposed, leaks counted. */
async function runCase(c: ValueCase): Promise<{ out: Record<string, Plain>; leaked: number }> {
  const inputs = c.inputs();
  const before = tf.memory().numTensors;
  try {
    const result = c.run(inputs);
    const out = await readOutput(result);
    tf.dispose(Object.values(result).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
    return { out, leaked: tf.memory().numTensors - before };
  } finally {
    tf.dispose(Object.values(inputs));
  }
}

async function use(backend: string): Promise<void> {
  if (tf.getBackend() === backend) return;
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function errorText(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

/** Runs every check; never throws for a failing check (it is reported), only when a backend cannot be set. */
export async function runBackendChecks(opts: CheckOptions): Promise<CheckReport> {
  const reference = opts.reference ?? 'cpu';
  const backend = opts.backend;
  const methods = opts.methods ?? TRAINING_METHODS;
  const trainingBackbone = opts.trainingBackbone ?? TINY_CNN;
  const trainingSide = opts.trainingSide ?? 8;
  const wanted = (name: string): boolean => opts.filter === undefined || name.includes(opts.filter);
  const results: CheckResult[] = [];
  const started = now();
  await use(backend);
  const numTensorsStart = tf.memory().numTensors;
  let leftByFailures = 0;
  const report = (r: CheckResult): void => {
    results.push(r);
    opts.onResult?.(r);
  };
  /** Runs `fn` on the reference and then on the backend under test, and compares. */
  async function check<T>(kind: CheckKind, name: string, fn: () => Promise<T>, compare: (got: T, want: T) => Comparison, label = name): Promise<void> {
    if (!wanted(name)) return;
    let want: T;
    try {
      await use(reference);
      want = await fn();
    } catch (e) {
      report({ kind, name: label, ok: false, message: `on the reference backend ${reference}: ${errorText(e)}`, maxAbsError: NaN, worstRatio: NaN, seconds: 0 });
      return;
    }
    await use(backend);
    const t0 = now();
    // A scope frees what a failing call left behind, so one failure does not fail the final tensor count;
    // a passing call that leaves tensors is reported as failing.
    const before = tf.memory().numTensors;
    tf.engine().startScope();
    try {
      const got = await fn();
      const seconds = (now() - t0) / 1000;
      const left = tf.memory().numTensors - before;
      const c = compare(got, want);
      report({ kind, name: label, ...c, ...(left > 0 ? { ok: false, message: `${left} tensors left behind${c.message ? `; ${c.message}` : ''}` } : {}), seconds });
    } catch (e) {
      tf.engine().endScope();
      // Variables (weights, optimizer slots) of a run cut short by an error outlive the scope: counted
      // here, and excluded from the final tensor count.
      const left = tf.memory().numTensors - before;
      leftByFailures += left;
      report({ kind, name: label, ok: false, message: `${errorText(e)}${left > 0 ? ` (${left} tensors left by the failed run)` : ''}`, maxAbsError: NaN, worstRatio: NaN, seconds: (now() - t0) / 1000 });
      return;
    }
    tf.engine().endScope();
  }

  for (const c of VALUE_CASES) {
    await check('value', c.name, () => runCase(c), (got, want) => {
      if (want.leaked !== 0) return { ok: false, message: `${want.leaked} tensors left behind on ${reference}`, maxAbsError: NaN, worstRatio: NaN };
      if (got.leaked !== 0) return { ok: false, message: `${got.leaked} tensors left behind`, maxAbsError: NaN, worstRatio: NaN };
      return compareOutputs(got.out, want.out, VALUE_TOLERANCE, c.exact);
    });
  }

  // The augmentation sweep runs once per backend; one result per op, so a report names the op that differs.
  await check('augmentation', 'augmentation', async () => augmentationOps(), (got, want) => {
    const failed = Object.keys(want).map((op) => ({ op, ...compareOutputs({ [op]: plainArray(got[op]) }, { [op]: plainArray(want[op]) }, VALUE_TOLERANCE) }));
    for (const c of failed) report({ kind: 'augmentation', name: `augmentation ${c.op}`, ok: c.ok, message: c.message, maxAbsError: c.maxAbsError, worstRatio: c.worstRatio, seconds: 0 });
    const bad = failed.filter((c) => !c.ok).map((c) => c.op);
    return { ok: bad.length === 0, message: bad.length > 0 ? `differ: ${bad.join(', ')}` : undefined, maxAbsError: Math.max(...failed.map((c) => c.maxAbsError)), worstRatio: Math.max(...failed.map((c) => c.worstRatio)) };
  }, 'all augmentation ops');

  for (const method of methods) {
    await check<TwoStepResult>('training', `two steps of ${method}`, () => twoSteps(method, trainingBackbone, 'natural', trainingSide),
      (got, want) => compareOutputs({ logs: got.logs.map((l) => [l.loss, l.supervised, l.unlabeled, l.iph]) },
        { logs: want.logs.map((l) => [l.loss, l.supervised, l.unlabeled, l.iph]) }, TRAINING_TOLERANCE));
  }
  await check<TwoStepResult>('training', 'two steps of tear with the medical preset', () => twoSteps('tear', trainingBackbone, 'medical', trainingSide),
    (got, want) => compareOutputs({ logs: got.logs.map((l) => [l.loss, l.supervised, l.unlabeled, l.iph]) },
      { logs: want.logs.map((l) => [l.loss, l.supervised, l.unlabeled, l.iph]) }, TRAINING_TOLERANCE));

  await use(backend);
  const numTensorsEnd = tf.memory().numTensors;
  if (opts.filter === undefined) {
    const grown = numTensorsEnd - numTensorsStart - leftByFailures;
    report({
      kind: 'memory', name: 'tf.memory().numTensors after all checks', ok: grown === 0,
      message: grown === 0 ? undefined : `${numTensorsStart} before, ${numTensorsEnd} after (${leftByFailures} of them left by failed checks)`, maxAbsError: 0, worstRatio: 0, seconds: 0,
    });
  }
  return {
    backend, reference, valueTolerance: VALUE_TOLERANCE, trainingTolerance: TRAINING_TOLERANCE, trainingBackbone, trainingSide,
    results, leftByFailures, numTensorsStart, numTensorsEnd, seconds: (now() - started) / 1000,
  };
}
