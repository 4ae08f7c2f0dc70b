/**
 * Bundles the backend checks: for the browser (page.ts + an index.html, served by web/serve.ts) or for
 * Node (the device script's entry, scripts/device/webgpuCheck.ts). Uses the web page's esbuild set-up,
 * which refuses Node built-ins.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { browserSafe } from '../../web/build';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the check page into `outDir` (default test-output/backend-checks/page) and returns that folder. */
export async function buildCheckPage(outDir = resolve(here, '..', '..', 'test-output', 'backend-checks', 'page')): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { checks: join(here, 'page.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: false,
    sourcemap: true,
    logLevel: 'warning',
    plugins: [browserSafe()],
  });
  await writeFile(join(outDir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>backend checks</title></head><body>starting…<script type="module" src="checks.js"></script></body></html>\n');
  return outDir;
}
