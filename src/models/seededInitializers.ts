import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../state/random';

/** A tfjs weight initializer (the type tfjs's `tf.initializers.*` factories return). */
export type WeightInitializer = ReturnType<typeof tf.initializers.glorotUniform>;

/**
 * Hands out initializers for one model build. With a `seed`, the i-th initializer drawn gets
 * seed `deriveSeed(seed, i)`, so the same seed and the same layer order give the same weights;
 * without one, tfjs draws fresh random weights.
 */
export class SeededInitializers {
  private count = 0;

  constructor(private readonly seed?: number) {}

  private nextSeed(): number | undefined {
    const i = this.count++;
    return this.seed === undefined ? undefined : deriveSeed(this.seed, i);
  }

  /** Glorot (Xavier) uniform: U(±√(6 / (fanIn + fanOut))); tfjs's layer default. */
  glorotUniform(): WeightInitializer {
    return tf.initializers.glorotUniform({ seed: this.nextSeed() });
  }

  /** Glorot (Xavier) normal (truncated in tfjs): std √(2 / (fanIn + fanOut)). */
  glorotNormal(): WeightInitializer {
    return tf.initializers.glorotNormal({ seed: this.nextSeed() });
  }

  /** Kaiming normal over fan-out (truncated in tfjs): std √(2 / fanOut), PyTorch's `kaiming_normal_(mode='fan_out')`. */
  kaimingNormalFanOut(): WeightInitializer {
    return tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal', seed: this.nextSeed() });
  }
}
