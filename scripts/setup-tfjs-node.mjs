#!/usr/bin/env node
/**
 * setup-tfjs-node: install @tensorflow/tfjs-node without its download step and build its native addon
 * against a TensorFlow C API taken from a TensorFlow wheel (or a folder with libtensorflow + headers).
 *
 * Why: tfjs-node's install script downloads libtensorflow from a Google bucket. Air-gapped machines
 * (hospitals, CI without internet) cannot reach it, but they can often reach a Python package index or
 * hold a wheel file. The wheel ships the same C API (`libtensorflow_cc.so.2` exports the TF_* and TFE_*
 * symbols), so the addon builds from source against it.
 *
 *   node scripts/setup-tfjs-node.mjs                       # pip download tensorflow-cpu==2.21.0, build
 *   node scripts/setup-tfjs-node.mjs --wheel FILE.whl      # a wheel you already have
 *   node scripts/setup-tfjs-node.mjs --libtensorflow DIR   # DIR/include/tensorflow/c/c_api.h, DIR/lib/libtensorflow*.so*
 *   node scripts/setup-tfjs-node.mjs --check               # say what is there, change nothing
 *
 * Idempotent: a working addon built from the same source is left alone (use --force to rebuild).
 * It never edits package.json: users with internet keep `npm install @tensorflow/tfjs-node`.
 * Linux only (the wheel's layout and rpath are Linux's); see docs/backends.md.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const TFJS_NODE_VERSION = '4.22.0';
const DEFAULT_WHEEL_SPEC = 'tensorflow-cpu==2.21.0';
const ALIAS = 'tear-ssl-tfjs-node';
const MARKER = '.tear-ssl-libtensorflow.json';

class SetupError extends Error {}
const fail = (message) => { throw new SetupError(message); };
const log = (message) => process.stdout.write(`setup:tfjs-node: ${message}\n`);

function parseArgs(argv) {
  const args = { wheel: undefined, libtensorflow: undefined, spec: DEFAULT_WHEEL_SPEC, python: process.env.PYTHON ?? 'python3', force: false, check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => { const v = argv[++i]; if (v === undefined || v.startsWith('--')) fail(`${a} needs a value`); return v; };
    if (a === '--wheel') args.wheel = path.resolve(value());
    else if (a === '--libtensorflow') args.libtensorflow = path.resolve(value());
    else if (a === '--tensorflow') args.spec = value();
    else if (a === '--python') args.python = value();
    else if (a === '--force') args.force = true;
    else if (a === '--check') args.check = true;
    else if (a === '--help' || a === '-h') { process.stdout.write(fs.readFileSync(new URL(import.meta.url)).toString().split('*/')[0]); process.exit(0); }
    else fail(`unknown argument '${a}' (see --help)`);
  }
  if (args.wheel && args.libtensorflow) fail('give --wheel or --libtensorflow, not both');
  return args;
}

function run(cmd, cmdArgs, options = {}) {
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error && r.error.code === 'ENOENT') return { missing: true, status: -1, stdout: '', stderr: '' };
  return { missing: false, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function lastLines(text, n = 5) { return text.trim().split('\n').slice(-n).join(' | '); }

function findProjectRoot(start) {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) fail(`no package.json in ${start} or above: run this from your project`);
    dir = up;
  }
}

/** Node's C headers: $npm_config_nodedir, else the prefix of the running node (Debian: /usr/include/node). */
function nodeHeadersDir() {
  const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')].filter(Boolean);
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) return dir;
  }
  return fail(`Node headers not found (looked for include/node/node_api.h under ${candidates.join(', ')}): install them (Debian: apt-get install nodejs, which ships /usr/include/node) or set npm_config_nodedir to a Node source/headers folder`);
}

function checkToolchain(python) {
  if (run('c++', ['--version']).missing) fail('no C++ compiler (c++) on PATH: install one (Debian: apt-get install g++)');
  if (run('make', ['--version']).missing) fail('no make on PATH: install it (Debian: apt-get install make)');
  if (run(python, ['--version']).missing) fail(`no Python (${python}) on PATH: node-gyp and the wheel extraction need it (or pass --python)`);
}

function tfjsNodeDir(root) {
  const dir = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
  const pkg = path.join(dir, 'package.json');
  if (!fs.existsSync(pkg)) return { dir, version: undefined };
  return { dir, version: JSON.parse(fs.readFileSync(pkg, 'utf8')).version };
}

/** `npm install --no-save` skips a package the project declares as a peer, so install under an alias and rename. */
function installTfjsNode(root) {
  log(`installing @tensorflow/tfjs-node@${TFJS_NODE_VERSION} without its install script`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = run(npm, ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${ALIAS}@npm:@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`], { cwd: root });
  if (r.missing) fail('npm not found on PATH');
  if (r.status !== 0) fail(`npm install @tensorflow/tfjs-node@${TFJS_NODE_VERSION} failed: ${lastLines(r.stderr || r.stdout)}`);
  const aliased = path.join(root, 'node_modules', ALIAS);
  const target = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(aliased, target);
}

function pipDownloadWheel(python, spec, cacheDir) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const existing = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.whl') && wheelMatches(f, spec));
  if (existing.length > 0) return path.join(cacheDir, existing[0]);
  log(`pip download ${spec} (no dependencies) into ${path.relative(process.cwd(), cacheDir)}`);
  const r = run(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', cacheDir, spec]);
  if (r.missing) fail(`no Python (${python}) on PATH`);
  if (r.status !== 0) fail(`pip download ${spec} failed (no index reachable? pass --wheel FILE or --libtensorflow DIR): ${lastLines(r.stderr || r.stdout, 2)}`);
  const found = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.whl') && wheelMatches(f, spec));
  if (found.length === 0) fail(`pip download ${spec} produced no wheel in ${cacheDir}`);
  return path.join(cacheDir, found[0]);
}

function wheelMatches(file, spec) {
  const [name, version] = spec.split('==');
  const prefix = `${name.replace(/-/g, '_')}-${version ?? ''}`;
  return file.startsWith(prefix);
}

/** Copies the C API headers and the two shared libraries out of a TensorFlow wheel into deps/. */
function extractWheel(python, wheel, deps) {
  if (!fs.existsSync(wheel)) fail(`wheel not found: ${wheel}`);
  log(`extracting the TensorFlow C API from ${path.basename(wheel)}`);
  const script = `
import sys, zipfile, os, shutil
wheel, dst = sys.argv[1], sys.argv[2]
try:
    z = zipfile.ZipFile(wheel)
except zipfile.BadZipFile as e:
    sys.exit(f"not a wheel (zip) file: {wheel}: {e}")
names = set(z.namelist())
need = ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2', 'tensorflow/include/tensorflow/c/c_api.h', 'tensorflow/include/tensorflow/c/eager/c_api.h']
missing = [n for n in need if n not in names]
if missing:
    sys.exit(f"{wheel} lacks {', '.join(missing)}: is it a Linux TensorFlow wheel (tensorflow or tensorflow-cpu >= 2.9)?")
for n in names:
    if n.endswith('/'):
        continue
    if n.startswith('tensorflow/include/'):
        out = os.path.join(dst, 'include', n[len('tensorflow/include/'):])
    elif n in need[:2]:
        out = os.path.join(dst, 'lib', os.path.basename(n))
    else:
        continue
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with z.open(n) as s, open(out, 'wb') as d:
        shutil.copyfileobj(s, d, 1 << 22)
`;
  const r = run(python, ['-c', script, wheel, deps]);
  if (r.status !== 0) fail(`extracting ${wheel}: ${lastLines(r.stderr || r.stdout, 2)}`);
  linkLibraries(path.join(deps, 'lib'));
}

/** Copies DIR/include and DIR/lib/libtensorflow*.so* (a libtensorflow tarball's layout, or a staged folder). */
function copyLibtensorflowDir(dir, deps) {
  if (!fs.existsSync(path.join(dir, 'include', 'tensorflow', 'c', 'c_api.h'))) fail(`${dir}/include/tensorflow/c/c_api.h not found: --libtensorflow wants a folder with include/ and lib/`);
  const libs = fs.existsSync(path.join(dir, 'lib')) ? fs.readdirSync(path.join(dir, 'lib')).filter((f) => /^libtensorflow.*\.so/.test(f)) : [];
  if (libs.length === 0) fail(`no libtensorflow*.so* in ${dir}/lib`);
  log(`copying the TensorFlow C API from ${dir}`);
  fs.cpSync(path.join(dir, 'include'), path.join(deps, 'include'), { recursive: true });
  fs.mkdirSync(path.join(deps, 'lib'), { recursive: true });
  for (const f of libs) fs.cpSync(path.join(dir, 'lib', f), path.join(deps, 'lib', f), { dereference: true });
  linkLibraries(path.join(deps, 'lib'));
}

/** binding.gyp links -ltensorflow -ltensorflow_framework; a wheel names the first libtensorflow_cc. */
function linkLibraries(lib) {
  const links = [['libtensorflow.so', ['libtensorflow_cc.so.2', 'libtensorflow.so.2']], ['libtensorflow_framework.so', ['libtensorflow_framework.so.2']]];
  for (const [name, targets] of links) {
    const target = targets.find((t) => fs.existsSync(path.join(lib, t)));
    if (!target) fail(`${lib} has none of ${targets.join(', ')}`);
    const link = path.join(lib, name);
    if (fs.existsSync(link) && !fs.lstatSync(link).isSymbolicLink()) continue;
    fs.rmSync(link, { force: true });
    fs.symlinkSync(target, link);
  }
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => fs.existsSync(c));
}

function build(dir, nodedir) {
  const require = createRequire(path.join(dir, 'package.json'));
  let preGyp;
  try { preGyp = require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp'); } catch { fail(`@mapbox/node-pre-gyp (a dependency of tfjs-node) is not installed next to ${dir}: rerun with --force`); }
  const env = { ...process.env, npm_config_nodedir: nodedir };
  const nodeGyp = findNodeGyp();
  if (nodeGyp && !env.npm_config_node_gyp) env.npm_config_node_gyp = nodeGyp;
  log('building the addon (node-pre-gyp --build-from-source)');
  const r = run(process.execPath, [preGyp, 'install', '--build-from-source'], { cwd: dir, env });
  if (r.status !== 0) fail(`building tfjs-node's addon failed: ${lastLines(r.stderr || r.stdout, 6)}`);
}

/** Loads tfjs-node in a child process; returns the libtensorflow version its binding reports. */
function probe(root) {
  const code = `
    const util = require('node:util'); if (typeof util.isNullOrUndefined !== 'function') util.isNullOrUndefined = (v) => v == null;
    const tf = require('@tensorflow/tfjs-node');
    const t = tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync()[0]);
    process.stdout.write(JSON.stringify({ tf: tf.backend().binding.TF_Version, backend: tf.getBackend(), check: t }));`;
  const r = run(process.execPath, ['-e', code], { cwd: root, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  if (r.status !== 0) return { ok: false, why: lastLines(r.stderr, 2) };
  try {
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    return out.check === 2 && out.backend === 'tensorflow' ? { ok: true, version: out.tf } : { ok: false, why: `unexpected probe result ${r.stdout}` };
  } catch { return { ok: false, why: `unexpected probe output: ${lastLines(r.stdout, 2)}` }; }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (process.platform !== 'linux') fail(`only Linux is supported (this is ${process.platform}); elsewhere use npm install @tensorflow/tfjs-node`);
  const root = findProjectRoot(process.cwd());
  const source = args.libtensorflow ? { kind: 'folder', path: args.libtensorflow } : args.wheel ? { kind: 'wheel', path: args.wheel } : { kind: 'pip', spec: args.spec };
  let { dir, version } = tfjsNodeDir(root);
  const markerFile = path.join(dir, 'deps', MARKER);
  const marker = fs.existsSync(markerFile) ? JSON.parse(fs.readFileSync(markerFile, 'utf8')) : undefined;
  const sameSource = marker && JSON.stringify(marker.source) === JSON.stringify(source);

  if (args.check) {
    const p = version ? probe(root) : { ok: false, why: 'not installed' };
    log(p.ok ? `ok: @tensorflow/tfjs-node ${version}, libtensorflow ${p.version}${marker ? ` (built from ${JSON.stringify(marker.source)})` : ''}` : `not usable: ${p.why}`);
    process.exitCode = p.ok ? 0 : 1;
    return;
  }
  if (!args.force && version === TFJS_NODE_VERSION && (sameSource || !marker)) {
    const p = probe(root);
    if (p.ok) { log(`already set up: @tensorflow/tfjs-node ${version} on libtensorflow ${p.version} (use --force to rebuild)`); return; }
  }

  const started = Date.now();
  if (source.kind === 'wheel' && !fs.existsSync(source.path)) fail(`wheel not found: ${source.path}`);
  if (source.kind === 'folder' && !fs.existsSync(source.path)) fail(`--libtensorflow folder not found: ${source.path}`);
  checkToolchain(args.python);
  const nodedir = nodeHeadersDir();
  // Stage the C API first (outside node_modules/@tensorflow/tfjs-node): a bad wheel or folder fails before
  // anything installed is touched, and the old deps/ stays usable.
  const depsPresent = fs.existsSync(path.join(dir, 'deps', 'lib', 'libtensorflow.so'));
  const restage = args.force || !sameSource || !depsPresent || version !== TFJS_NODE_VERSION;
  const cache = path.join(root, 'node_modules', '.cache', 'tear-ssl');
  const staging = path.join(cache, 'libtensorflow-staging');
  if (restage) {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    try {
      if (source.kind === 'folder') copyLibtensorflowDir(source.path, staging);
      else extractWheel(args.python, source.kind === 'wheel' ? source.path : pipDownloadWheel(args.python, source.spec, path.join(cache, 'wheels')), staging);
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw e;
    }
  }
  if (args.force || version !== TFJS_NODE_VERSION) installTfjsNode(root);
  ({ dir, version } = tfjsNodeDir(root));
  if (restage) {
    const deps = path.join(dir, 'deps');
    fs.rmSync(deps, { recursive: true, force: true });
    fs.renameSync(staging, deps);
  }
  build(dir, nodedir);
  const p = probe(root);
  if (!p.ok) fail(`the addon built but does not load: ${p.why}`);
  fs.writeFileSync(markerFile, JSON.stringify({ source, libtensorflow: p.version, tfjsNode: version }, null, 2));
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: @tensorflow/tfjs-node ${version} on libtensorflow ${p.version}`);
}

try {
  main();
} catch (e) {
  if (e instanceof SetupError) {
    process.stderr.write(`setup:tfjs-node: error: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
