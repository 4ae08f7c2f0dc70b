import type * as tf from '@tensorflow/tfjs';

/** A tfjs-layers `call(inputs, kwargs)` with `this` the layer (of type L). */
export type LayerCall<L> = (this: L, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** Install, uninstall and query one replacement of a tfjs-layers class's `call`. */
export interface LayerCallPatch {
  /** Replaces the call; a no-op returning false when already installed, else true. */
  install(): boolean;
  /** Puts the class's own call back (or its inherited one); a no-op when not installed. */
  uninstall(): void;
  installed(): boolean;
}

/**
 * One replacement of the `call` method on the prototype of a tfjs-layers class (classes tfjs-layers
 * exports only through factories, so `prototype()` is the prototype of a throwaway layer). `makeCall`
 * receives the call it replaces (the class's own, or the inherited one) for the inputs it leaves
 * alone. Uninstall restores exactly the state before install: the own property, or none (the call is
 * inherited again). Used by the training-mode layer calls of src/backends/.
 */
export function layerCallPatch<L>(prototype: () => object, makeCall: (stock: LayerCall<L>) => LayerCall<L>): LayerCallPatch {
  let stock: LayerCall<L> | undefined;
  let hadOwnCall = false;
  return {
    install() {
      if (stock !== undefined) return false;
      const proto = prototype() as { call: LayerCall<L> };
      stock = proto.call;
      hadOwnCall = Object.prototype.hasOwnProperty.call(proto, 'call');
      proto.call = makeCall(stock);
      return true;
    },
    uninstall() {
      if (stock === undefined) return;
      const proto = prototype() as Partial<{ call: LayerCall<L> }>;
      if (hadOwnCall) proto.call = stock;
      else delete proto.call;
      stock = undefined;
    },
    installed: () => stock !== undefined,
  };
}
