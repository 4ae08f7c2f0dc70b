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
 * Files that import Node built-ins but whose Node-only functions the page never calls: the trainer's
 * checkpoint files (save/load), the atomic file writer they use, and split files on disk (makeSplit,
 * which the page calls, is pure). Their `node:*` imports resolve to stubs that throw if called. Any
 * other file importing a Node built-in fails the build, so the page cannot silently grow Node code.
 */
export const NODE_ONLY_IMPORTERS = ['src/training/checkpoint.ts', 'src/util/atomicWrite.ts', 'src/data/splits.ts'];

/** Names the stubs export (what those files import); calling any of them throws. */
const STUB_EXPORTS = [
  'createHash', 'randomBytes', 'promises', 'readFile', 'resolve', 'dirname', 'join', 'basename',
  // the atomic writer's synchronous half (metrics log, folder creation, whole-or-nothing appends)
  'closeSync', 'existsSync', 'fstatSync', 'fsyncSync', 'ftruncateSync', 'mkdirSync', 'openSync', 'renameSync', 'rmSync', 'statSync', 'writeSync',
];

export function nodeStubs(): Plugin {
  return {
    name: 'tear-ssl-node-stubs',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (args) => {
        const importer = relative(repoRoot, args.importer).split('\\').join('/');
        if (!NODE_ONLY_IMPORTERS.includes(importer)) {
          return { errors: [{ text: `${importer} imports ${args.path}: the page must stay browser-safe (web/build.ts allows Node built-ins only in ${NODE_ONLY_IMPORTERS.join(', ')})` }] };
        }
        return { path: args.path, namespace: 'node-stub' };
      });
      b.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => ({
        loader: 'js',
        contents: [
          `const unavailable = () => { throw new Error(${JSON.stringify(`tear-ssl web: ${args.path} is not available in the browser (checkpoint and split files are Node-only)`)}); };`,
          ...STUB_EXPORTS.map((name) => name === 'promises'
            ? 'export const promises = new Proxy({}, { get: () => unavailable });'
            : `export const ${name} = unavailable;`),
        ].join('\n'),
      }));
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
    plugins: [nodeStubs()],
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
