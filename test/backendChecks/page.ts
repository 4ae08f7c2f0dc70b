/**
 * Browser entry of the backend checks (bundled by build.ts, opened by test/browser/webgpu.browser.ts):
 * describes the WebGPU adapter, then runs runBackendChecks on the backend named by `?backend=` (default
 * webgpu) against cpu, and publishes progress and the report in `window.backendChecks`.
 * URL options: backend, methods (comma-separated), filter, side.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { describeWebgpuAdapter, type WebgpuAdapterDescription } from '../../src/backends/webgpuAdapter';
import { runBackendChecks, type CheckReport, type CheckResult } from './checks';

interface PageChecks {
  state: 'running' | 'done' | 'error';
  adapter?: WebgpuAdapterDescription | null;
  results: CheckResult[];
  report?: CheckReport;
  error?: string;
}

/** The page's globals (typed here: the test tsconfig has no DOM library). */
const page = globalThis as unknown as {
  backendChecks: PageChecks; location: { search: string }; document: { title: string; body: { textContent: string } };
};
const status: PageChecks = { state: 'running', results: [] };
page.backendChecks = status;

const q = new URLSearchParams(page.location.search);
try {
  status.adapter = (await describeWebgpuAdapter()) ?? null;
  const backend = q.get('backend') ?? 'webgpu';
  if (backend === 'webgpu' && status.adapter === null) throw new Error('no WebGPU adapter (navigator.gpu missing or requestAdapter() gave null)');
  status.report = await runBackendChecks({
    backend,
    methods: q.get('methods')?.split(',').filter((m) => m !== ''),
    filter: q.get('filter') ?? undefined,
    trainingSide: q.has('side') ? Number(q.get('side')) : undefined,
    onResult: (r) => {
      status.results.push(r);
      page.document.body.textContent = `${status.results.length} checks, ${status.results.filter((x) => !x.ok).length} failed; last: ${r.name}`;
    },
  });
  status.state = 'done';
} catch (e) {
  status.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  status.state = 'error';
} finally {
  page.document.title = `backend checks: ${status.state} (${tf.getBackend()})`;
}
