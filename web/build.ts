/**
 * Builds the browser page (web/) into web/dist with esbuild: the page script, the training worker,
 * index.html and styles, the embedded digits file and tfjs-backend-wasm's .wasm binaries (the worker
 * points `setWasmPaths` at dist/wasm/). Run by `npm run web` and `npm run test:browser`.
 */
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const webDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(webDir, '..');

/**
 * Refuses every Node built-in (`node:*`): the page's files, the trainer among them, are browser-safe
 * (file checkpoints and split files are Node-only modules the page does not import), so a `node:*`
 * import fails the build, naming the file that imports it, and the page cannot silently grow Node code.
 */
export function browserSafe(): Plugin {
  return {
    name: 'tear-ssl-browser-safe',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (args) => {
        const importer = relative(repoRoot, args.importer).split('\\').join('/');
        return { errors: [{ text: `${importer} imports ${args.path}: the page must stay browser-safe (no Node built-ins)` }] };
      });
    },
  };
}

/** Builds the page into `outDir` (default web/dist) and returns that folder. */
export async function buildWeb(outDir = join(webDir, 'dist')): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'wasm'), { recursive: true });
  await mkdir(join(outDir, 'data'), { recursive: true });
  await build({
    entryPoints: { main: join(webDir, 'src', 'main.ts'), worker: join(webDir, 'src', 'worker.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    plugins: [browserSafe()],
  });
  for (const file of ['index.html', 'styles.css']) await copyFile(join(webDir, file), join(outDir, file));
  await copyFile(join(repoRoot, 'data', 'digits.csv.gz'), join(outDir, 'data', 'digits.csv.gz'));
  const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const dist = join(wasmDir, 'dist');
  for (const f of (await readdir(dist)).filter((name) => name.endsWith('.wasm'))) await copyFile(join(dist, f), join(outDir, 'wasm', f));
  return outDir;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildWeb(process.argv[2]);
  console.log(`built ${relative(process.cwd(), out) || '.'}`);
}
