import type * as tf from '@tensorflow/tfjs';
import type { EmaJSON } from '../state/ema';
import { deserializeTensor, disposeState, serializeTensor, type SerializedTensor } from '../state/serialize';
import { check } from '../util/checks';
import type { ComponentContext, ComponentState, StateMap } from './algorithms/types';
import { configDifferences, resolveTrainerConfig } from './config';
import type { TrainerConfig } from './configTypes';
import type { OptimizerStateJSON } from './optimizer';
import { checkVariableShape } from './trainerStates';

/**
 * The checkpoint payload codec: the trainer's state as a JSON-safe object (tensors as SerializedTensor)
 * and back, with every check and the migration of older layouts. Pure: no file system, no Node
 * built-ins (`tear-ssl/core` exports it). The file format and file I/O are in checkpoint.ts (Node).
 */

/** The payload's `kind`. */
export const CHECKPOINT_KIND = 'tear-ssl/SemiSupervisedTrainer';

/** A checkpoint could not be read: the message names its source (the file, or 'checkpoint payload') and the field or byte range at fault. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';

  constructor(source: string, message: string) {
    super(`tear-ssl.checkpoint: ${source}: ${message}`);
  }
}

/** A payload to be written holds NaN or ±Inf: nothing is written. */
export class NonFiniteCheckpointError extends Error {
  override name = 'NonFiniteCheckpointError';
}

/** The source name errors give when a payload comes from memory rather than a file. */
export const PAYLOAD_SOURCE = 'checkpoint payload';

/**
 * Everything a SemiSupervisedTrainer checkpoint holds: JSON-safe (tensors as SerializedTensor), the
 * same object `trainer.checkpoint()` returns and file checkpoints store.
 */
export interface CheckpointPayload {
  kind: string;
  config: TrainerConfig;
  step: number;
  variables: { names: string[]; values: SerializedTensor[] };
  /** The optimizer's state (component 'optimizer'); at the top level since the first format. */
  optimizer: OptimizerStateJSON;
  /** The EMA teacher's state (component 'ema'); at the top level since the first format. */
  ema: EmaJSON;
  /** Every other component state by key (MethodRecipe.states): DA queue, reference snapshot or memory, masker statistics, … */
  states: Record<string, unknown>;
  random: { seed: number; scheme: string };
  /** The caller's JSON data about the run (the CLI: its data settings and data fingerprint); not read by the trainer. */
  metadata?: Record<string, unknown>;
}

/** Component states stored at the payload's top level under their key (the layout every checkpoint has had). */
export const TOP_LEVEL_STATES = ['optimizer', 'ema'] as const;

/** Checkpoints written before the component map kept these three states at the top level; reading moves them into `states`. */
export const LEGACY_STATE_FIELDS = ['distributionAlignment', 'previous', 'memory'] as const;

const isTopLevel = (key: string): boolean => (TOP_LEVEL_STATES as readonly string[]).includes(key);

/** What a payload is built from: the trainer's config, step, student variables and every component state. */
export interface CheckpointSource {
  config: TrainerConfig;
  step: number;
  variables: readonly tf.Variable[];
  /** Every state component, in the trainer's order (TOP_LEVEL_STATES among them). */
  components: readonly ComponentState<unknown>[];
  states: StateMap;
  metadata?: Record<string, unknown>;
}

/** Builds the payload (reads every tensor asynchronously); the state is neither changed nor disposed. */
export async function buildCheckpointPayload(source: CheckpointSource): Promise<CheckpointPayload> {
  const json = async (component: ComponentState<unknown>): Promise<[string, unknown]> =>
    [component.key, await component.toJSON(source.states[component.key])];
  const topLevel = Object.fromEntries(await Promise.all(source.components.filter((c) => isTopLevel(c.key)).map(json)));
  for (const key of TOP_LEVEL_STATES) check(key in topLevel, 'checkpoint', () => `no state component '${key}' to write`);
  return {
    kind: CHECKPOINT_KIND,
    config: source.config,
    step: source.step,
    variables: {
      names: source.variables.map((v) => v.name),
      values: await Promise.all(source.variables.map((v) => serializeTensor(v))),
    },
    optimizer: topLevel.optimizer as OptimizerStateJSON,
    ema: topLevel.ema as EmaJSON,
    states: Object.fromEntries(await Promise.all(source.components.filter((c) => !isTopLevel(c.key)).map(json))),
    random: { seed: source.config.seed, scheme: 'deriveSeed(seed, step, purpose)' },
    ...(source.metadata === undefined ? {} : { metadata: source.metadata }),
  };
}

/**
 * Checks a payload's envelope (kind, step, variables, config, optimizer, ema) and returns it in the
 * current layout: a legacy payload's top-level DA queue, previous-step weights and memory move into
 * `states` (the input is not changed). Errors are CheckpointError naming `source` and the field.
 */
export function readCheckpointPayload(payload: unknown, source = PAYLOAD_SOURCE): CheckpointPayload {
  const p = payload as CheckpointPayload;
  if (p === null || typeof p !== 'object' || p.kind !== CHECKPOINT_KIND) {
    throw new CheckpointError(source, `field 'kind' must be '${CHECKPOINT_KIND}'`);
  }
  if (!Number.isInteger(p.step) || p.step < 0) throw new CheckpointError(source, `field 'step' must be a non-negative integer, got ${String(p.step)}`);
  if (p.variables === null || typeof p.variables !== 'object' || !Array.isArray(p.variables.values) || !Array.isArray(p.variables.names)) {
    throw new CheckpointError(source, 'field \'variables\' must be { names, values }');
  }
  for (const key of ['config', 'optimizer', 'ema'] as const) {
    if (p[key] === null || typeof p[key] !== 'object') throw new CheckpointError(source, `field '${key}' is missing`);
  }
  if (p.states !== undefined && (p.states === null || typeof p.states !== 'object' || Array.isArray(p.states))) {
    throw new CheckpointError(source, 'field \'states\' must be an object of component states');
  }
  const legacy = p as unknown as Record<string, unknown>;
  const states: Record<string, unknown> = { ...(p.states ?? {}) };
  const rest: Record<string, unknown> = { ...legacy };
  for (const field of LEGACY_STATE_FIELDS) {
    if (!(field in rest)) continue;
    delete rest[field];
    if ((states[field] === undefined || states[field] === null) && legacy[field] !== undefined && legacy[field] !== null) states[field] = legacy[field];
  }
  return { ...(rest as unknown as CheckpointPayload), states };
}

/** The config a payload holds, with `override` (only `evalEvery` may differ on resume) applied and checked. */
export function checkpointConfig(payload: CheckpointPayload, override: { evalEvery?: number } = {}, source = PAYLOAD_SOURCE): TrainerConfig {
  try {
    return resolveTrainerConfig({ ...payload.config, ...override });
  } catch (e) {
    throw new CheckpointError(source, `field 'config': ${(e as Error).message}`);
  }
}

/** Whom a payload is restored into: the trainer's config, student variables and state components. */
export interface CheckpointTarget {
  config: TrainerConfig;
  variables: readonly tf.Variable[];
  components: readonly ComponentState<unknown>[];
  context: ComponentContext;
}

/** The state a payload holds, as new tensors checked against the target: the trainer assigns and swaps them in. */
export interface RestoredState {
  step: number;
  /** The student's variable values, in variable order. */
  variables: tf.Tensor[];
  /** Every component state by key. */
  states: Record<string, unknown>;
}

/**
 * Rebuilds every state a payload (from readCheckpointPayload) holds, checked against `target`: its
 * config must equal the target's (but for `evalEvery`), every tensor must match the model. Nothing is
 * kept on error (every tensor built is disposed); errors are CheckpointError naming the field.
 */
export function restoreCheckpointState(payload: CheckpointPayload, target: CheckpointTarget, source = PAYLOAD_SOURCE): RestoredState {
  let saved: TrainerConfig;
  try {
    saved = resolveTrainerConfig(payload.config);
  } catch (e) {
    throw new CheckpointError(source, `field 'config': ${(e as Error).message}`);
  }
  const differing = configDifferences(target.config, saved);
  if (differing.length > 0) {
    throw new CheckpointError(source, `field 'config' differs from this trainer's config at ${differing.map((d) => `'${d}'`).join(', ')}`);
  }
  const made: unknown[] = [];
  const field = <T>(name: string, build: () => T): T => {
    try {
      const value = build();
      made.push(value);
      return value;
    } catch (e) {
      disposeState(made);
      throw e instanceof CheckpointError ? e : new CheckpointError(source, `field '${name}': ${(e as Error).message}`);
    }
  };
  const vars = target.variables;
  const values = field('variables', () => {
    check(payload.variables.values.length === vars.length, 'checkpoint', () =>
      `holds ${payload.variables.values.length} variables, the model has ${vars.length}`);
    return payload.variables.values.map((s, i) => {
      const t = deserializeTensor(s, `variables[${i}]`);
      made.push(t);
      checkVariableShape(t, vars[i], `variables[${i}] ('${payload.variables.names[i]}')`);
      return t;
    });
  });
  const stored = payload as unknown as Record<string, unknown>;
  const states: Record<string, unknown> = {};
  for (const component of target.components) {
    const key = component.key;
    const top = isTopLevel(key);
    const json = top ? stored[key] : payload.states?.[key];
    states[key] = field(top ? key : `states.${key}`, () => component.fromJSON(json, target.context));
  }
  return { step: payload.step, variables: values, states };
}
