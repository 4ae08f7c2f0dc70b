import * as tf from '@tensorflow/tfjs';
import { check, checkNumber, checkOneOf, checkSameDim, checkTensor } from '../util/checks';
import { deserializeTensor, serializeTensor, type SerializedTensor } from '../state/serialize';

/**
 * An explicit optimizer (Optax style): `optimizerInit` builds the slot state, `optimizerUpdate`
 * is pure (returns new parameter values and a new state, disposes nothing it was given), and the
 * learning rate is an argument of every update, so a per-step schedule needs no mutable optimizer.
 * tfjs's own `MomentumOptimizer` fixes its learning rate at construction (`setLearningRate`
 * exists but keys its slots by call order), so the trainer uses this instead.
 */
export type OptimizerType = 'sgd' | 'adam' | 'adamw';

/** Optimizer type and hyperparameters (the learning rate comes per step from the schedule). */
export interface OptimizerConfig {
  /** 'sgd' (momentum, Nesterov by default), 'adam' (L2 decay added to the gradient), 'adamw' (decoupled decay). */
  type: OptimizerType;
  /** SGD momentum μ (0.9). */
  momentum: number;
  /** Nesterov momentum for SGD (true, as in the release). */
  nesterov: boolean;
  /** Adam β1 (0.9), β2 (0.999), ε (1e-8). */
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Weight decay coefficient (5e-4); which variables decay is decided by the caller's `decays`. */
  weightDecay: number;
}

/** The optimizer settings used when none are given (SGD with Nesterov momentum, as FixMatch and TEAR). */
export const DEFAULT_OPTIMIZER: OptimizerConfig = {
  type: 'sgd', momentum: 0.9, nesterov: true, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 5e-4,
};

/** Per-variable slots: `momentum` for SGD, `m` and `v` for Adam/AdamW; `step` counts updates done. */
export interface OptimizerState {
  step: number;
  slots: Record<string, Record<string, tf.Tensor>>;
}

/** JSON-safe form of an OptimizerState, for checkpoints (optimizerStateToJSON / optimizerStateFromJSON). */
export interface OptimizerStateJSON {
  step: number;
  slots: Record<string, Record<string, SerializedTensor>>;
}

/** Fills defaults and checks every field. */
export function resolveOptimizerConfig(config: Partial<OptimizerConfig> = {}): OptimizerConfig {
  const fn = 'resolveOptimizerConfig';
  const c = { ...DEFAULT_OPTIMIZER, ...stripUndefined(config) };
  checkOneOf(c.type, ['sgd', 'adam', 'adamw'] as const, 'optimizer.type', fn);
  checkNumber(c.momentum, 'optimizer.momentum', fn, { min: 0, max: 1, maxOpen: true });
  check(typeof c.nesterov === 'boolean', fn, () => `option 'optimizer.nesterov' must be a boolean, got ${String(c.nesterov)}`);
  checkNumber(c.beta1, 'optimizer.beta1', fn, { min: 0, max: 1, maxOpen: true });
  checkNumber(c.beta2, 'optimizer.beta2', fn, { min: 0, max: 1, maxOpen: true });
  checkNumber(c.epsilon, 'optimizer.epsilon', fn, { min: 0, minOpen: true });
  checkNumber(c.weightDecay, 'optimizer.weightDecay', fn, { min: 0 });
  return c;
}

/** Zero slots for every parameter: `{momentum}` (SGD) or `{m, v}` (Adam, AdamW). */
export function optimizerInit(config: OptimizerConfig, params: Record<string, tf.Tensor>): OptimizerState {
  const slots: Record<string, Record<string, tf.Tensor>> = {};
  for (const [name, p] of Object.entries(params)) {
    checkTensor(p, `params.${name}`, 'optimizerInit', { dtype: 'float32' });
    slots[name] = config.type === 'sgd' ? { momentum: tf.zerosLike(p) } : { m: tf.zerosLike(p), v: tf.zerosLike(p) };
  }
  return { step: 0, slots };
}

/** Per-step options of optimizerUpdate: the learning rate and which parameters get weight decay. */
export interface OptimizerUpdateOptions {
  /** Learning rate for this update. */
  learningRate: number;
  /** Whether the named parameter decays (default: all do). */
  decays?: (name: string) => boolean;
}

/**
 * One update. With `g` the gradient, `p` the parameter, η the learning rate, λ the decay (0 when
 * `decays(name)` is false):
 * - sgd:   g' = g + λp;  b ← μb + g';  p ← p − η(g' + μb) (Nesterov) or p − ηb (PyTorch semantics);
 * - adam:  g' = g + λp;  m ← β1m + (1−β1)g';  v ← β2v + (1−β2)g'²;  p ← p − η m̂/(√v̂ + ε),
 *          m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ), t = step + 1;
 * - adamw: as adam with g' = g, then p ← p − η(m̂/(√v̂ + ε) + λp).
 * Parameters without a gradient keep their value and slots (both returned as new tensors).
 * Returns new tensors only; the caller owns them and still owns its inputs.
 */
export function optimizerUpdate(
  config: OptimizerConfig, state: OptimizerState, params: Record<string, tf.Tensor>,
  grads: Record<string, tf.Tensor | undefined>, opts: OptimizerUpdateOptions,
): { params: Record<string, tf.Tensor>; state: OptimizerState } {
  const fn = 'optimizerUpdate';
  checkNumber(opts.learningRate, 'learningRate', fn, { min: 0 });
  const decays = opts.decays ?? (() => true);
  const t = state.step + 1;
  const newParams: Record<string, tf.Tensor> = {};
  const newSlots: Record<string, Record<string, tf.Tensor>> = {};
  for (const [name, p] of Object.entries(params)) {
    const slot = state.slots[name];
    check(slot !== undefined, fn, () => `no optimizer slots for parameter '${name}'`);
    const g = grads[name];
    if (g === undefined) {
      newParams[name] = p.clone();
      newSlots[name] = Object.fromEntries(Object.entries(slot).map(([k, v]) => [k, v.clone()]));
      continue;
    }
    checkSameDim(g, `grads.${name}`, p, `params.${name}`, fn);
    const lambda = decays(name) ? config.weightDecay : 0;
    const out = tf.tidy((): { p: tf.Tensor; slots: Record<string, tf.Tensor> } => {
      const lr = tf.scalar(opts.learningRate);
      if (config.type === 'sgd') {
        const gd = lambda > 0 ? g.add(p.mul(lambda)) : g;
        const b = slot.momentum.mul(config.momentum).add(gd);
        const direction = config.nesterov ? gd.add(b.mul(config.momentum)) : b;
        return { p: p.sub(direction.mul(lr)), slots: { momentum: b } };
      }
      const gd = config.type === 'adam' && lambda > 0 ? g.add(p.mul(lambda)) : g;
      const m = slot.m.mul(config.beta1).add(gd.mul(1 - config.beta1));
      const v = slot.v.mul(config.beta2).add(gd.square().mul(1 - config.beta2));
      const mHat = m.div(1 - config.beta1 ** t);
      const vHat = v.div(1 - config.beta2 ** t);
      let direction = mHat.div(vHat.sqrt().add(config.epsilon));
      if (config.type === 'adamw' && lambda > 0) direction = direction.add(p.mul(lambda));
      return { p: p.sub(direction.mul(lr)), slots: { m, v } };
    });
    newParams[name] = out.p;
    newSlots[name] = out.slots;
  }
  return { params: newParams, state: { step: t, slots: newSlots } };
}

/** JSON-safe form of the optimizer state. */
export async function optimizerStateToJSON(state: OptimizerState): Promise<OptimizerStateJSON> {
  const slots: Record<string, Record<string, SerializedTensor>> = {};
  for (const [name, slot] of Object.entries(state.slots)) {
    slots[name] = {};
    for (const [k, v] of Object.entries(slot)) slots[name][k] = await serializeTensor(v);
  }
  return { step: state.step, slots };
}

/** Rebuilds the optimizer state; errors name the slot at fault. */
export function optimizerStateFromJSON(json: OptimizerStateJSON): OptimizerState {
  const fn = 'optimizerStateFromJSON';
  check(json !== null && typeof json === 'object' && typeof json.slots === 'object' && json.slots !== null, fn,
    () => 'argument must be { step, slots }');
  checkNumber(json.step, 'step', fn, { min: 0, integer: true });
  const slots: Record<string, Record<string, tf.Tensor>> = {};
  for (const [name, slot] of Object.entries(json.slots)) {
    slots[name] = {};
    for (const [k, v] of Object.entries(slot)) slots[name][k] = deserializeTensor(v, `optimizer.slots.${name}.${k}`);
  }
  return { step: json.step, slots };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
