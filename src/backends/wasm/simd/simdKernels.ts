import { SIMD_KERNELS_WASM, SIMD_KERNELS_WASM_SHARED } from './simdKernelsBinary';

/**
 * tear-ssl's SIMD kernels (kernels.wat) instantiated on a tfjs wasm backend's own memory, so that they
 * work on tensors in place: arguments are byte offsets into the heap ({@link heapOffset}). Each gives the
 * same bits as the JavaScript loop it stands in for; the kernels in src/backends/wasm/kernels/ call them
 * when {@link simdKernelsFor} returns them and run their loops otherwise (no WebAssembly SIMD, a memory
 * that cannot be imported, or the kernels switched off with {@link setWasmSimdKernels}).
 */
export interface SimdKernels {
  /** dx of a 2×2 / stride-2 max pool inside the input; x, dx [n,h,w,c], dy [n,ho,wo,c], c % 4 = 0; leaves uncovered elements unwritten. */
  maxPoolGrad2x2(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, ho: number, wo: number): void;
  /** out[r] = f32(scale·Σ_m x[m, r]) over x [rows, cols], cols % 4 = 0; float64 sums, acc scratch of 8·cols bytes. */
  columnSums(x: number, out: number, acc: number, rows: number, cols: number, scale: number): void;
  /** y = α·x where x < 0, else x; `size` floats. */
  leakyRelu(x: number, y: number, size: number, alpha: number): void;
  /** dx = where(x > 0, dy, dy·α) (tfjs-core's LeakyRelu gradient); `size` floats. */
  leakyReluGrad(dy: number, x: number, dx: number, size: number, alpha: number): void;
  /** dx = dy·step(x) (tfjs-core's Relu gradient; step: 1 where x > 0, NaN where x is NaN, else 0); `size` floats. */
  reluGrad(dy: number, x: number, dx: number, size: number): void;
  /** Inference batch norm over x [rows, c] (c % 4 = 0) with per-channel vectors, wasm FusedBatchNorm's arithmetic; nf scratch of 8·c bytes. */
  batchNormInference(x: number, mean: number, variance: number, offset: number, scale: number, epsilon: number,
    y: number, rows: number, c: number, nf: number): void;
  /** dst [cols, rows] = transpose of src [rows, cols], both multiples of 4. */
  transpose(src: number, dst: number, rows: number, cols: number): void;
}

/** The parts of tfjs-backend-wasm's backend read here. */
interface WasmBackendInternals {
  wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown };
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

/** The WebAssembly API (the type-check's lib has no WebAssembly namespace). */
interface WebAssemblyApi {
  Memory: new (...args: never[]) => { buffer: ArrayBufferLike };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
const decode = (base64: string): Uint8Array => Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
const instances = new WeakMap<object, { kernels: SimdKernels | null; why: string }>();
let enabled = true;

/** Switches the SIMD kernels on or off for every wasm backend (on by default; off runs the JavaScript loops). */
export function setWasmSimdKernels(on: boolean): void {
  enabled = on;
}

/** Whether the SIMD kernels are switched on ({@link setWasmSimdKernels}). */
export function wasmSimdKernelsEnabled(): boolean {
  return enabled;
}

/**
 * The SIMD kernels bound to `backend`'s memory (compiled and instantiated once per memory), or null when
 * they are switched off or cannot run there ({@link wasmSimdKernelsStatus} says why).
 */
export function simdKernelsFor(backend: object): SimdKernels | null {
  return bind(backend).kernels;
}

/** Whether tear-ssl's SIMD kernels run on `backend` (a tfjs wasm backend), and if not, why. */
export function wasmSimdKernelsStatus(backend: object): { active: boolean; reason: string } {
  const { kernels, why } = bind(backend);
  return { active: kernels !== null, reason: why };
}

/** Whether tear-ssl's SIMD kernels run on `backend` (a tfjs wasm backend): switched on, and instantiable on its memory. */
export function wasmSimdKernelsActive(backend: object): boolean {
  return simdKernelsFor(backend) !== null;
}

function bind(backend: object): { kernels: SimdKernels | null; why: string } {
  if (!enabled) return { kernels: null, why: 'switched off (setWasmSimdKernels(false))' };
  if (api === undefined) return { kernels: null, why: 'no WebAssembly in this engine' };
  // Single-threaded builds export their memory (asm.memory); the threaded build's glue creates it and
  // keeps it as wasmMemory (a shared memory where the page is cross-origin isolated).
  const wasm = (backend as WasmBackendInternals).wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  if (typeof memory !== 'object' || memory === null || !(memory instanceof api.Memory)) {
    return { kernels: null, why: 'the backend has no WebAssembly memory (wasm.asm.memory or wasm.wasmMemory)' };
  }
  let bound = instances.get(memory);
  if (bound === undefined) {
    bound = instantiate(memory);
    instances.set(memory, bound);
  }
  return bound;
}

function instantiate(memory: object): { kernels: SimdKernels | null; why: string } {
  if (api === undefined) return { kernels: null, why: 'no WebAssembly in this engine' };
  const shared = typeof SharedArrayBuffer !== 'undefined' && (memory as { buffer: ArrayBufferLike }).buffer instanceof SharedArrayBuffer;
  const bytes = decode(shared ? SIMD_KERNELS_WASM_SHARED : SIMD_KERNELS_WASM);
  if (!api.validate(bytes)) return { kernels: null, why: 'this engine lacks WebAssembly SIMD or bulk memory' };
  try {
    const { exports } = new api.Instance(new api.Module(bytes), { env: { memory } });
    return { kernels: exports as unknown as SimdKernels, why: `active (${shared ? 'shared' : 'plain'} memory)` };
  } catch (e) {
    return { kernels: null, why: `instantiation failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: object, dataId: object): number {
  const entry = (backend as WasmBackendInternals).dataIdMap?.get(dataId);
  if (entry === undefined) throw new Error('tear-ssl wasm SIMD kernels: a tensor has no data on the wasm backend');
  return entry.memoryOffset;
}
