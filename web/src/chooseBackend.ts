/**
 * Picks the tfjs backend for the training worker: WebGPU on a hardware adapter, else WebGL on a hardware
 * GPU, else wasm with tear-ssl's training kernels. A software WebGPU adapter (SwiftShader) or WebGL
 * renderer is skipped under 'auto' and named when requested. A backend is used only after one training
 * step of the page's model gives finite gradients on it; otherwise the next one is tried and the reason
 * is kept for the page.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useWasmBackend, wasmSimdKernelsStatus } from '../../src/wasm';
import { createSmallCnn, describeWebgpuAdapter, type WebgpuAdapterDescription } from '../../src/core';
import type { BackendInfo, BackendRequest } from './protocol';

/** Renderer strings of software rasterisers: WebGL there is slower than wasm, so auto skips it. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** The WebGL renderer string, or undefined without WebGL 2 (checked on an OffscreenCanvas, as the worker's backend would). */
function webglRenderer(): string | undefined {
  if (typeof OffscreenCanvas === 'undefined') return undefined;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
  if (gl === null) return undefined;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}

/** One SGD-free gradient of the page's model on random data: every gradient must be finite. */
async function trainingSmokeTest(): Promise<void> {
  const model = createSmallCnn({ inputShape: [8, 8, 1], numClasses: 10, seed: 1 });
  try {
    const finite = tf.tidy(() => {
      const x = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 7);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
      const { value, grads } = tf.variableGrads(() => {
        const [logits] = model.apply(x, { training: true }) as tf.Tensor[];
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      });
      return tf.stack([value, ...Object.values(grads).map((g) => tf.sum(g))].map((t) => tf.isFinite(t).all().toFloat())).min();
    });
    const ok = (await finite.data())[0] === 1;
    finite.dispose();
    if (!ok) throw new Error('a training step gave non-finite gradients');
  } finally {
    model.dispose();
  }
}

async function tryBackend(name: 'webgpu' | 'webgl' | 'wasm', wasmDir: string): Promise<void> {
  if (name === 'wasm') {
    setWasmPaths(wasmDir);
    await useWasmBackend();
  } else if (!(await tf.setBackend(name))) {
    throw new Error(`tf.setBackend('${name}') failed`);
  }
  await tf.ready();
  await trainingSmokeTest();
}

/**
 * Sets the backend and says why. `requested` 'auto' tries webgpu (if a hardware adapter exists), webgl
 * (if WebGL 2 runs on a hardware GPU) and wasm, in that order; a named backend is tried first, then the
 * others as a fallback. `wasmDir` is the URL of the folder holding tfjs-backend-wasm's .wasm files
 * (the page is served cross-origin isolated, so wasm may use threads: tfjs takes half the logical cores).
 */
export async function chooseBackend(requested: BackendRequest, wasmDir: string): Promise<BackendInfo> {
  const notes: string[] = [];
  const renderer = webglRenderer();
  const adapter: WebgpuAdapterDescription | undefined = await describeWebgpuAdapter();
  const candidates: Array<'webgpu' | 'webgl' | 'wasm'> = [];
  if (requested !== 'auto') candidates.push(requested);
  if (adapter === undefined) notes.push('no WebGPU adapter');
  else if (adapter.software) notes.push(`the WebGPU adapter is a software one (${adapter.summary}), slower than wasm`);
  else candidates.push('webgpu');
  if (renderer === undefined) notes.push('no WebGL 2');
  else if (SOFTWARE_RENDERER.test(renderer)) notes.push(`WebGL 2 is a software renderer (${renderer}), slower than wasm`);
  else candidates.push('webgl');
  candidates.push('wasm');
  for (const name of [...new Set(candidates)]) {
    try {
      await tryBackend(name, wasmDir);
      const detail = name === 'wasm'
        ? `, ${getThreadsCount()} thread${getThreadsCount() === 1 ? '' : 's'}${await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') ? '' : self.crossOriginIsolated ? ' (no wasm threads here)' : ' (no wasm threads: page not cross-origin isolated)'}, ` +
          `SIMD ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, tear-ssl training kernels ` +
          simdKernelsText(wasmSimdKernelsStatus(tf.backend()))
        : name === 'webgl' ? ` (${renderer})` : name === 'webgpu' ? ` (${adapter?.summary ?? 'adapter unknown'})` : '';
      const why = requested === name ? 'requested' : notes.length > 0 ? notes.join('; ') : 'best available';
      return { name, reason: `${name}${detail}: ${why}` };
    } catch (e) {
      notes.push(`${name} failed: ${(e as Error).message}`);
    }
  }
  throw new Error(`no backend could train here: ${notes.join('; ')}`);
}

/** The web page's words for whether tear-ssl's SIMD kernels run on the wasm backend. */
function simdKernelsText(status: { active: boolean; reason: string }): string {
  return status.active ? 'with its SIMD kernels' : `without its SIMD kernels (${status.reason})`;
}
