import * as tf from '@tensorflow/tfjs';
import { check } from '../util/checks';

/** A model written as a function: `apply` returns logits [N,C] and features [N,d]. */
export interface FunctionModel {
  /** The forward pass: `training` selects batch statistics (and updates the moving ones) as in tfjs layers. */
  apply(x: tf.Tensor4D, training: boolean): { logits: tf.Tensor2D; features: tf.Tensor2D };
  trainableVariables: tf.Variable[];
  /** Batch-norm moving statistics and other state the forward pass updates (copied into the EMA, never averaged when named moving_mean/moving_variance). */
  nonTrainableVariables?: tf.Variable[];
}

/** A tfjs LayersModel with outputs `[logits, features]`, or a FunctionModel. */
export type TrainableModel = tf.LayersModel | FunctionModel;

/** Builds a second model of the same architecture (the EMA teacher or the previous-step model). */
export type TeacherFactory = () => TrainableModel | Promise<TrainableModel>;

/**
 * The trainer's uniform view of a model. `variables` lists every weight in a fixed order
 * (trainable and not), `trainable` the subset the optimizer updates; two handles of the same
 * architecture list their variables in the same order, which is how weights are matched between
 * student, teacher and checkpoints (tfjs renames variables on every build, so names cannot be used).
 */
export interface ModelHandle {
  /** The model's forward pass as logits [N,C] and features [N,d]. */
  forward(x: tf.Tensor4D, training: boolean): { logits: tf.Tensor2D; features: tf.Tensor2D };
  variables: tf.Variable[];
  trainable: tf.Variable[];
}

function isLayersModel(model: TrainableModel): model is tf.LayersModel {
  return model instanceof tf.LayersModel;
}

/** Wraps a LayersModel or FunctionModel; errors name the argument at fault. */
export function modelHandle(model: TrainableModel, argName = 'model'): ModelHandle {
  const fn = 'SemiSupervisedTrainer';
  check(model !== null && typeof model === 'object', fn, () => `option '${argName}' must be a tf.LayersModel or { apply, trainableVariables }`);
  if (isLayersModel(model)) {
    check(model.outputs.length === 2, fn, () =>
      `option '${argName}' must have two outputs [logits, features], got ${model.outputs.length}`);
    const trainableIds = new Set(model.trainableWeights.map((w) => w.read().id));
    const variables = model.weights.map((w) => w.read() as tf.Variable);
    return {
      forward: (x, training) => {
        const out = model.apply(x, { training }) as tf.Tensor[];
        return { logits: out[0] as tf.Tensor2D, features: out[1] as tf.Tensor2D };
      },
      variables,
      trainable: variables.filter((v) => trainableIds.has(v.id)),
    };
  }
  check(typeof model.apply === 'function' && Array.isArray(model.trainableVariables), fn,
    () => `option '${argName}' must be a tf.LayersModel or { apply(x, training), trainableVariables }`);
  const trainable = model.trainableVariables;
  const others = model.nonTrainableVariables ?? [];
  check([...trainable, ...others].every((v) => v instanceof tf.Variable), fn,
    () => `option '${argName}': trainableVariables and nonTrainableVariables must hold tf.Variable`);
  return {
    forward: (x, training) => {
      const out = model.apply(x, training);
      check(out !== null && typeof out === 'object' && out.logits instanceof tf.Tensor && out.features instanceof tf.Tensor, fn,
        () => `${argName}.apply must return { logits, features }`);
      return out;
    },
    variables: [...trainable, ...others],
    trainable,
  };
}

/**
 * A second copy of `model` with the same architecture: the user's factory when given, otherwise
 * (LayersModel only) a rebuild from `model.toJSON()`. Weights are copied from `model`.
 */
export async function buildTeacher(model: TrainableModel, factory?: TeacherFactory): Promise<{ model: TrainableModel; handle: ModelHandle }> {
  const fn = 'SemiSupervisedTrainer';
  let teacher: TrainableModel;
  if (factory !== undefined) {
    teacher = await factory();
  } else {
    check(isLayersModel(model), fn, () =>
      'a function model needs option \'createTeacher\' (a factory returning a second model of the same architecture) for the EMA and reference models');
    teacher = await tf.models.modelFromJSON({ modelTopology: (model as tf.LayersModel).toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
  }
  const student = modelHandle(model);
  const handle = modelHandle(teacher, 'createTeacher()');
  check(handle.variables.length === student.variables.length, fn, () =>
    `the teacher has ${handle.variables.length} variables, the student ${student.variables.length}: they must share an architecture`);
  handle.variables.forEach((v, i) => {
    const s = student.variables[i];
    check(v.shape.length === s.shape.length && v.shape.every((d, j) => d === s.shape[j]), fn, () =>
      `teacher variable ${i} '${v.name}' has shape [${v.shape.join(',')}], student '${s.name}' [${s.shape.join(',')}]`);
    v.assign(s);
  });
  return { model: teacher, handle };
}

/** Disposes a model built by buildTeacher. */
export function disposeModel(model: TrainableModel): void {
  if (isLayersModel(model)) model.dispose();
  else [...model.trainableVariables, ...(model.nonTrainableVariables ?? [])].forEach((v) => v.dispose());
}
