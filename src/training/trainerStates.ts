import type * as tf from '@tensorflow/tfjs';
import { emaFromJSON, emaInit, emaToJSON, emaUpdate, type EmaJSON, type EmaState } from '../state/ema';
import { disposeState } from '../state/serialize';
import { check } from '../util/checks';
import type { ComponentContext, ComponentState } from './algorithms/types';
import type { TrainerConfig } from './configTypes';
import {
  optimizerInit, optimizerStateFromJSON, optimizerStateToJSON, optimizerUpdate, type OptimizerState, type OptimizerUpdateOptions,
} from './optimizer';
import { isBatchNormStatistic } from './weightDecay';

/**
 * The trainer's own state components: the EMA teacher's weights and the optimizer's slots. They live
 * in the trainer's state map beside the method's components (keys 'ema' and 'optimizer') and follow
 * the same init / update / toJSON / fromJSON pattern; the checkpoint stores them at its top level.
 */

/** How the trainer names the student's variables: stable per-position keys `v<i>` (tfjs renames variables on every build). */
export interface VariableKeys {
  /** `v<i>` for every variable, in the model's variable order. */
  keys: readonly string[];
  /** The keys of the trainable variables. */
  trainableKeys: readonly string[];
  /** The tfjs name of each key's variable (weight decay and batch-norm statistics are told by name). */
  nameOfKey: ReadonlyMap<string, string>;
}

/** The student's variables by key. */
export function weightsByKey(keys: readonly string[], variables: readonly tf.Tensor[], only?: readonly string[]): Record<string, tf.Tensor> {
  const all = Object.fromEntries(keys.map((k, i) => [k, variables[i]]));
  return only === undefined ? all : Object.fromEntries(only.map((k) => [k, all[k]]));
}

/** Checks that a restored tensor has the dtype and shape of the model's variable; `field` names it. */
export function checkVariableShape(t: tf.Tensor, v: tf.Tensor, field: string): void {
  const name = (v as tf.Variable).name;
  check(t.dtype === v.dtype && t.shape.length === v.shape.length && t.shape.every((d, i) => d === v.shape[i]), 'checkpoint', () =>
    `${field} is ${t.dtype} [${t.shape.join(',')}], the model's '${name}' is ${v.dtype} [${v.shape.join(',')}]`);
}

/** The EMA teacher's state: an EmaState over every student variable by key. */
export interface EmaComponent extends ComponentState<EmaState> {
  /** The next state after a step: EMA of the student's variables, batch-norm statistics copied (a new state; the input is kept). */
  update(state: EmaState, studentVariables: readonly tf.Tensor[], config: TrainerConfig): EmaState;
}

/** The 'ema' component for a student whose variables have `names` keys. */
export function emaComponent(names: VariableKeys): EmaComponent {
  const { keys, nameOfKey } = names;
  return {
    key: 'ema',
    init: (ctx) => emaInit(weightsByKey(keys, ctx.studentVariables)),
    update: (state, studentVariables, config) => emaUpdate(state, weightsByKey(keys, studentVariables), {
      momentum: config.ema.momentum, warmup: config.ema.warmup, copy: (key) => isBatchNormStatistic(nameOfKey.get(key) as string),
    }),
    toJSON: (state) => emaToJSON(state),
    fromJSON: (json, ctx) => {
      const state = emaFromJSON(json as EmaJSON);
      try {
        keys.forEach((k, i) => {
          check(state.weights[k] !== undefined, 'checkpoint', () => `has no EMA weight '${k}'`);
          checkVariableShape(state.weights[k], ctx.studentVariables[i], `ema.weights.${k}`);
        });
      } catch (e) {
        disposeState(state);
        throw e;
      }
      return state;
    },
  };
}

/** The optimizer's slots over the trainable variables by key. */
export interface OptimizerComponent extends ComponentState<OptimizerState> {
  /** Parameters and state after applying `grads` (by key): new tensors, nothing applied (see optimizerUpdate). */
  update(state: OptimizerState, ctx: ComponentContext, grads: Record<string, tf.Tensor>, opts: OptimizerUpdateOptions): ReturnType<typeof optimizerUpdate>;
}

/** The 'optimizer' component for a student whose variables have `names` keys. */
export function optimizerComponent(names: VariableKeys): OptimizerComponent {
  const { keys, trainableKeys } = names;
  const params = (ctx: ComponentContext): Record<string, tf.Tensor> => weightsByKey(keys, ctx.studentVariables, trainableKeys);
  return {
    key: 'optimizer',
    init: (ctx) => optimizerInit(ctx.config.optimizer, params(ctx)),
    update: (state, ctx, grads, opts) => optimizerUpdate(ctx.config.optimizer, state, params(ctx), grads, opts),
    toJSON: (state) => optimizerStateToJSON(state),
    fromJSON: (json, ctx) => {
      const state = optimizerStateFromJSON(json as Parameters<typeof optimizerStateFromJSON>[0]);
      try {
        trainableKeys.forEach((k) => {
          const slot = state.slots[k];
          check(slot !== undefined, 'checkpoint', () => `has no optimizer slots for '${k}'`);
          const expected = ctx.config.optimizer.type === 'sgd' ? ['momentum'] : ['m', 'v'];
          check(expected.every((s) => slot[s] !== undefined), 'checkpoint', () => `slots of '${k}' must be ${expected.join(', ')}`);
          for (const [s, t] of Object.entries(slot)) checkVariableShape(t, ctx.studentVariables[keys.indexOf(k)], `optimizer.slots.${k}.${s}`);
        });
      } catch (e) {
        disposeState(state.slots);
        throw e;
      }
      return state;
    },
  };
}
