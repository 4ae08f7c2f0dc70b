import * as tf from '@tensorflow/tfjs';

/**
 * tfjs-backend-wasm is an Emscripten build: when its allocator cannot grow the heap (at most 4 GiB, the
 * wasm32 address space), it calls `abort()`, which throws `RuntimeError: Aborted(). Build with
 * -sASSERTIONS for more info.` from inside whatever kernel asked for memory. That message names neither
 * the cause nor a remedy, and training state may be lost after it.
 */
export const WASM_HEAP_LIMIT_BYTES = 4 * 2 ** 30;

/** Whether `e` is tfjs-backend-wasm's abort (a WebAssembly RuntimeError whose message starts "Aborted("). */
export function isWasmAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'RuntimeError' && /^Aborted\(/.test(e.message);
}

/**
 * `e` explained when it is tfjs-backend-wasm's abort while 'wasm' is the active backend: an Error whose
 * message says what ran (`what`), that the wasm heap was exhausted, and what to do, with `e` as its
 * cause; otherwise undefined (the caller rethrows `e` unchanged).
 */
export function explainWasmAbort(e: unknown, what: string): Error | undefined {
  if (!isWasmAbort(e) || tf.getBackend() !== 'wasm') return undefined;
  return new Error(`${what} aborted in the wasm backend (RuntimeError "${(e as Error).message.split('.')[0]}"): tfjs-backend-wasm aborts when an ` +
    `allocation does not fit in its heap, at most ${WASM_HEAP_LIMIT_BYTES / 2 ** 30} GiB. Use a smaller batch size or μ, a smaller ` +
    'model, or the tensorflow backend (tfjs-node); the wasm backend may not be usable again in this process.', { cause: e });
}
