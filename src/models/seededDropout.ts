import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../state/random';
import { checkNumber } from '../util/checks';

/**
 * The seed of the forward pass running now (set by `withDropoutSeed`), or undefined outside one.
 * Module state on purpose: the seed must reach layers deep inside a tf.LayersModel, whose `apply` has
 * no way to carry it; the trainer sets it around the one training forward of each step.
 */
let activeSeed: number | undefined;

/**
 * Runs `fn` (a synchronous forward pass) with every SeededDropout layer drawing its mask from
 * deriveSeed(seed, layer salt). The trainer passes deriveSeed(runSeed, step, purpose), so a step's
 * dropout masks are a function of (run seed, step) and a resumed run draws the same masks.
 */
export function withDropoutSeed<T>(seed: number, fn: () => T): T {
  checkNumber(seed, 'seed', 'withDropoutSeed', { integer: true });
  const outer = activeSeed;
  activeSeed = seed;
  try {
    return fn();
  } finally {
    activeSeed = outer;
  }
}

/** Options of SeededDropout: the rate, a salt telling the model's dropout layers apart, and a layer name. */
export interface SeededDropoutArgs {
  rate: number;
  /** Distinguishes the model's dropout layers from one another (e.g. their position in the model). */
  salt: number;
  name?: string;
}

/**
 * Inverted dropout y = x·m/(1 − rate), m_i = [u_i ≥ rate] with u ~ U[0, 1) drawn from a seed: inside
 * `withDropoutSeed(s, …)` the seed is deriveSeed(s, salt); outside one (user code calling the model in
 * training mode) it is deriveSeed(salt, calls) from a per-layer call counter: still reproducible for
 * one sequence of calls, but not a function of a training step. Identity at inference.
 * (tfjs's own Dropout takes a fixed seed and so repeats one mask on every call.)
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'TearSeededDropout';
  readonly rate: number;
  readonly salt: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    checkNumber(args.rate, 'rate', 'SeededDropout', { min: 0, max: 1, maxOpen: true });
    checkNumber(args.salt, 'salt', 'SeededDropout', { integer: true, min: 0 });
    this.rate = args.rate;
    this.salt = args.salt;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs?.training !== true || this.rate === 0) return x.clone();
    const seed = activeSeed === undefined ? deriveSeed(this.salt, this.calls++) : deriveSeed(activeSeed, this.salt);
    const keep = 1 - this.rate;
    return tf.tidy(() => {
      const mask = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), this.rate), 'float32');
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, salt: this.salt };
  }
}
tf.serialization.registerClass(SeededDropout);

/** A SeededDropout layer (the models' dropout): `salt` tells the model's dropout layers apart. */
export function seededDropout(args: SeededDropoutArgs): SeededDropout {
  return new SeededDropout(args);
}
