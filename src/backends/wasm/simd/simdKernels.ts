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
}

/** The parts of tfjs-backend-wasm's backend read here. */
interface WasmBackendInternals {
  wasm?: { asm?: { memory?: unknown } };
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
const instances = new WeakMap<object, SimdKernels | null>();
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
 * they are switched off or cannot run there: no WebAssembly SIMD in this engine, or no reachable memory.
 */
export function simdKernelsFor(backend: object): SimdKernels | null {
  if (!enabled || api === undefined) return null;
  const memory = (backend as WasmBackendInternals).wasm?.asm?.memory;
  if (typeof memory !== 'object' || memory === null || !(memory instanceof api.Memory)) return null;
  if (!instances.has(memory)) instances.set(memory, instantiate(memory));
  return instances.get(memory) ?? null;
}

function instantiate(memory: object): SimdKernels | null {
  if (api === undefined) return null;
  const shared = typeof SharedArrayBuffer !== 'undefined' && (memory as { buffer: ArrayBufferLike }).buffer instanceof SharedArrayBuffer;
  const bytes = decode(shared ? SIMD_KERNELS_WASM_SHARED : SIMD_KERNELS_WASM);
  if (!api.validate(bytes)) return null; // an engine without WebAssembly SIMD (or bulk memory)
  try {
    const { exports } = new api.Instance(new api.Module(bytes), { env: { memory } });
    return exports as unknown as SimdKernels;
  } catch {
    return null; // the memory does not match the import (e.g. a maximum larger than declared)
  }
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: object, dataId: object): number {
  const entry = (backend as WasmBackendInternals).dataIdMap?.get(dataId);
  if (entry === undefined) throw new Error('tear-ssl wasm SIMD kernels: a tensor has no data on the wasm backend');
  return entry.memoryOffset;
}
