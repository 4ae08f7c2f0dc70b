/**
 * Synchronous reads of tensor values, guarded for the WebGPU backend. WebGPU has no synchronous
 * read-back; tfjs-backend-webgpu 4.22 fakes one by drawing the GPU buffer through two OffscreenCanvases
 * (`readSync`). That path does not exist in Node (Dawn through the `webgpu` package: no OffscreenCanvas,
 * a ReferenceError), and on Chromium's SwiftShader adapter it returns **zeros** and then loses the
 * device (every later call fails with "A valid external Instance reference no longer exists"; measured
 * by test/browser/webgpu.browser.ts). A silent zero is a wrong number, so tear-ssl refuses such a read
 * with an error that says why, and skips only value-range *checks* (never a computed value) there.
 * Values the webgpu backend already holds on the CPU (tensors made from JS arrays, results of the small
 * ops it forwards to the cpu kernels, tensors read before) need no GPU read and are always allowed.
 */
import * as tf from '@tensorflow/tfjs';

interface WebgpuBackendLike {
  tensorMap?: { get(dataId: object): { values?: unknown } | undefined };
  adapterInfo?: { architecture?: string; vendor?: string };
}

/** Whether the active backend is webgpu and already holds the values of `t` on the CPU (no GPU read needed). */
export function webgpuValuesOnHost(t: tf.Tensor): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  return (tf.backend() as unknown as WebgpuBackendLike).tensorMap?.get(t.dataId)?.values != null;
}

/** Why a synchronous read of `t` on the active backend cannot be trusted, or undefined when it can. */
export function syncReadProblem(t: tf.Tensor): string | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const backend = tf.backend() as unknown as WebgpuBackendLike;
  if (webgpuValuesOnHost(t)) return undefined;
  if ((globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === undefined) {
    return 'the webgpu backend reads synchronously through an OffscreenCanvas, which this environment (e.g. Node with Dawn) does not have';
  }
  if (/swiftshader/i.test(backend.adapterInfo?.architecture ?? '')) {
    return "the webgpu backend's synchronous read returns zeros and loses the device on the SwiftShader adapter";
  }
  return undefined;
}

/** Whether `t` can be read synchronously on the active backend (see {@link syncReadProblem}). */
export function canReadSync(t: tf.Tensor): boolean {
  return syncReadProblem(t) === undefined;
}

/**
 * `t.dataSync()`, or an Error "tear-ssl.<fn>: needs the values of '<name>' synchronously, but …" where
 * the active backend cannot deliver them correctly (never a silent zero).
 */
export function readSync(t: tf.Tensor, name: string, fn: string): Float32Array | Int32Array | Uint8Array {
  const problem = syncReadProblem(t);
  if (problem !== undefined) {
    throw new Error(`tear-ssl.${fn}: needs the values of '${name}' synchronously, but ${problem}. `
      + "Run it on a CPU backend (wasm, cpu, tensorflow) or a hardware WebGPU adapter in a browser (docs/backends.md, 'WebGPU').");
  }
  return t.dataSync() as Float32Array | Int32Array | Uint8Array;
}
