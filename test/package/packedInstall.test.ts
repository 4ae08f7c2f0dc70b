/**
 * Builds and packs tear-ssl, installs the tarball into a fresh consumer folder, and uses it there as a
 * user would: ESM and CJS imports of `tear-ssl` and `tear-ssl/core` (one class per error across the two
 * entries), TypeScript `.cts`/`.mts` files type-checked under node16 resolution against the packed
 * types, `tear-ssl --version`, and an example run from the installed package (it imports `tear-ssl` by
 * name). The consumer's dependencies are links to this repository's node_modules (no network), without
 * the optional peers sharp, vega and vega-lite.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '..', '..');
const nodeModules = join(repo, 'node_modules');
const OPTIONAL_PEERS = ['sharp', 'vega', 'vega-lite'];
let work = '';
let consumer = '';
let packed: { files: Array<{ path: string; size: number }>; size: number; unpackedSize: number };

/** Runs a command without blocking this worker (a long synchronous build starves vitest's RPC); resolves to stdout. */
const run = async (file: string, args: string[], cwd = consumer): Promise<string> =>
  (await promisify(execFile)(file, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NODE_OPTIONS: '' } })).stdout;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tear-ssl-pack-'));
  await run('npm', ['run', 'build'], repo);
  packed = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', work], repo))[0];
  consumer = join(work, 'consumer');
  const installed = join(consumer, 'node_modules', 'tear-ssl');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(work, `tear-ssl-${JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version}.tgz`), '-C', installed, '--strip-components=1']);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  for (const name of readdirSync(nodeModules)) {
    if (name.startsWith('.') || name === 'tear-ssl' || OPTIONAL_PEERS.includes(name) || name === '@img') continue;
    symlinkSync(join(nodeModules, name), join(consumer, 'node_modules', name));
  }
}, 240_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the packed package, installed', () => {
  it('ships no ISIC Train_unl lists, no TypeScript sources and no source contents in the maps; optional peers stay optional', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => /Train_unl/.test(p))).toEqual([]);
    expect(paths).toContain('examples/isic2018/splits/Train_pool.txt');
    expect(paths.filter((p) => p.startsWith('src/'))).toEqual([]);
    for (const map of paths.filter((p) => p.endsWith('.map'))) {
      const json = JSON.parse(readFileSync(join(consumer, 'node_modules', 'tear-ssl', map), 'utf8')) as { sourcesContent?: unknown };
      expect(json.sourcesContent, map).toBeUndefined();
    }
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', 'tear-ssl', 'package.json'), 'utf8'));
    for (const name of OPTIONAL_PEERS) {
      expect(manifest.dependencies?.[name], name).toBeUndefined();
      expect(manifest.optionalDependencies?.[name], name).toBeUndefined();
      expect(manifest.peerDependenciesMeta[name], name).toEqual({ optional: true });
    }
    // no repository, homepage or bugs URL until there is a real one (guessed ones were removed)
    expect(manifest.repository).toBeUndefined();
    expect(manifest.homepage).toBeUndefined();
    expect(manifest.bugs).toBeUndefined();
  });

  it('ESM and CJS: an error thrown by tear-ssl/core is an instance of tear-ssl\'s class of the same name', async () => {
    const probe = (load: string) => `${load}
let caught;
try { core.softmaxProbabilities(null); } catch (e) { caught = e; }
console.log(JSON.stringify({ same: root.TearArgumentError === core.TearArgumentError, instance: caught instanceof root.TearArgumentError, name: caught && caught.name }));`;
    writeFileSync(join(consumer, 'probe.mjs'), probe("import * as root from 'tear-ssl';\nimport * as core from 'tear-ssl/core';"));
    writeFileSync(join(consumer, 'probe.cjs'), probe("const root = require('tear-ssl');\nconst core = require('tear-ssl/core');"));
    for (const file of ['probe.mjs', 'probe.cjs']) {
      const out = (await run(process.execPath, [file])).trim().split('\n').pop() as string;
      expect(JSON.parse(out), file).toEqual({ same: true, instance: true, name: 'TearArgumentError' });
    }
  });

  it('TypeScript under node16 resolution type-checks a .cts (require, .d.cts) and a .mts (import, .d.ts) file', async () => {
    const body = (prefix: string) => `${prefix}
const cnn = core.createSmallCnn({ inputShape: [8, 8, 1], numClasses: 10 });
const outputs: number = cnn.outputs.length;
const error: typeof root.TearArgumentError = core.TearArgumentError;
// @ts-expect-error the types are real: a string is not a Tensor2D
core.softmaxProbabilities('not a tensor');
export { outputs, error };
`;
    writeFileSync(join(consumer, 'check.cts'), body("import root = require('tear-ssl');\nimport core = require('tear-ssl/core');"));
    writeFileSync(join(consumer, 'check.mts'), body("import * as root from 'tear-ssl';\nimport * as core from 'tear-ssl/core';"));
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files: ['check.cts', 'check.mts'],
    }));
    const tsc = join(nodeModules, 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      output = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles']);
    } catch (e) {
      throw new Error(`tsc failed:\n${(e as { stdout?: string }).stdout ?? ''}`);
    }
    // each file got its own declaration flavour
    const listed = output.split('\n').map((line) => line.trim());
    expect(listed.some((f) => f.endsWith('node_modules/tear-ssl/dist/index.d.cts'))).toBe(true);
    expect(listed.some((f) => f.endsWith('node_modules/tear-ssl/dist/index.d.ts'))).toBe(true);
  });

  it('`tear-ssl --version` prints the package version', async () => {
    const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version as string;
    expect((await run(process.execPath, [join(consumer, 'node_modules', 'tear-ssl', 'dist', 'cli.js'), '--version'])).trim()).toBe(version);
  });

  it('an example runs from the installed package (it imports tear-ssl by name)', async () => {
    const example = join(consumer, 'node_modules', 'tear-ssl', 'examples', 'custom-loop.ts');
    expect(readFileSync(example, 'utf8')).toMatch(/from 'tear-ssl'/);
    const out = await run(process.execPath, [join(nodeModules, 'tsx', 'dist', 'cli.mjs'), example, '--steps', '2']);
    expect(out).toMatch(/2 steps in/);
    expect(out).toMatch(/test \(360 held-out digits\), EMA teacher: top-1/);
  });
});
