/**
 * What WebGPU adapter the tfjs 'webgpu' backend would get, and whether it is a software one. Browser-safe
 * (it only reads `navigator.gpu`, or the GPU object it is given, such as the `webgpu` npm package's
 * `create([])` in Node), so it is part of tear-ssl/core.
 */

/** The part of `GPUAdapterInfo` read here (Chromium ≥ 114 exposes it as `adapter.info`). */
interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface AdapterLike {
  info?: AdapterInfoLike;
  /** Older Chromium: a property of the adapter instead of its info. */
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
}

/** The part of `GPU` (navigator.gpu) read here. */
export interface GpuLike {
  /** Resolves to an adapter, or null when none is available. */
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<unknown>;
}

/** A WebGPU adapter as {@link describeWebgpuAdapter} reports it. */
export interface WebgpuAdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
  /**
   * A CPU implementation of WebGPU (SwiftShader, llvmpipe/lavapipe, WARP, or any adapter flagged
   * `isFallbackAdapter`): correct but far slower than wasm for training.
   */
  software: boolean;
  /** One line for logs and pages, e.g. "google swiftshader, software adapter (CPU)". */
  summary: string;
}

/** Names of software implementations as they appear in an adapter's vendor, architecture or description. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i;

/**
 * Requests a WebGPU adapter (high-performance, as tfjs-backend-webgpu does) and describes it.
 *
 * Args:
 *   gpu: the WebGPU entry point; default `navigator.gpu`. In Node, pass `create([])` of the `webgpu`
 *     npm package (Dawn).
 *
 * Returns: the adapter's vendor, architecture, description and whether it is a software one; undefined
 * when there is no WebGPU (no `navigator.gpu`, e.g. an insecure context such as about:blank) or no
 * adapter (no GPU and no software fallback).
 */
export async function describeWebgpuAdapter(gpu?: GpuLike): Promise<WebgpuAdapterDescription | undefined> {
  const entry = gpu ?? (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (entry === undefined || entry === null) return undefined;
  let adapter: AdapterLike | null;
  try {
    adapter = (await entry.requestAdapter({ powerPreference: 'high-performance' })) as AdapterLike | null;
  } catch {
    return undefined;
  }
  if (adapter === null || adapter === undefined) return undefined;
  const info: AdapterInfoLike = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description ?? '';
  const software = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true
    || SOFTWARE_ADAPTER.test(`${vendor} ${architecture} ${description}`);
  const name = [vendor, architecture, description].filter((s) => s !== '').join(' ') || 'unnamed adapter';
  return { vendor, architecture, description, software, summary: `${name}${software ? ', software adapter (CPU)' : ''}` };
}
