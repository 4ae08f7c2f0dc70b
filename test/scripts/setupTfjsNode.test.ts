import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = resolve(__dirname, '../../scripts/setup-tfjs-node.mjs');
const project = mkdtempSync(join(tmpdir(), 'tear-setup-'));
writeFileSync(join(project, 'package.json'), '{"name":"scratch","version":"0.0.0"}\n');

afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Runs the script in a scratch project (never this repo's node_modules). */
function setup(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: project, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes a zip file with the given entries using Python's zipfile (the script needs Python anyway). */
function zipWith(file: string, entries: string[]): void {
  const code = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w")\nfor n in sys.argv[2:]: z.writestr(n, "x")\nz.close()';
  const r = spawnSync('python3', ['-c', code, file, ...entries], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

describe('npm run setup:tfjs-node: one clear line for each missing piece, nothing touched', () => {
  it('rejects unknown arguments and conflicting sources', () => {
    expect(setup('--bogus')).toMatchObject({ status: 1, stderr: "setup:tfjs-node: error: unknown argument '--bogus' (see --help)\n" });
    const both = setup('--wheel', 'a.whl', '--libtensorflow', 'dir');
    expect(both.status).toBe(1);
    expect(both.stderr).toBe('setup:tfjs-node: error: give --wheel or --libtensorflow, not both\n');
    expect(setup('--wheel').stderr).toBe('setup:tfjs-node: error: --wheel needs a value\n');
  });

  it('names a missing wheel, a file that is not a zip, and a wheel without the C API', () => {
    const missing = setup('--wheel', join(project, 'nope.whl'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`setup:tfjs-node: error: wheel not found: ${join(project, 'nope.whl')}\n`);

    const notZip = join(project, 'text.whl');
    writeFileSync(notZip, 'not a zip');
    const bad = setup('--wheel', notZip);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^setup:tfjs-node: error: extracting .*text\.whl: not a wheel \(zip\) file/);

    const empty = join(project, 'tensorflow_cpu-0.0.0-py3-none-any.whl');
    zipWith(empty, ['tensorflow/__init__.py', 'tensorflow/include/tensorflow/c/c_api.h']);
    const lacking = setup('--wheel', empty);
    expect(lacking.status).toBe(1);
    expect(lacking.stderr).toMatch(/lacks tensorflow\/libtensorflow_cc\.so\.2, tensorflow\/libtensorflow_framework\.so\.2, tensorflow\/include\/tensorflow\/c\/eager\/c_api\.h: is it a Linux TensorFlow wheel/);
    expect(lacking.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names what a --libtensorflow folder lacks', () => {
    const dir = join(project, 'libtf');
    mkdirSync(join(dir, 'include', 'tensorflow', 'c'), { recursive: true });
    expect(setup('--libtensorflow', join(project, 'absent')).stderr).toMatch(/--libtensorflow folder not found/);
    expect(setup('--libtensorflow', dir).stderr).toMatch(/include\/tensorflow\/c\/c_api\.h not found/);
    writeFileSync(join(dir, 'include', 'tensorflow', 'c', 'c_api.h'), '');
    expect(setup('--libtensorflow', dir).stderr).toMatch(/no libtensorflow\*\.so\* in .*libtf\/lib/);
  });

  it('names a missing Python and reports, with --check, that tfjs-node is not usable', () => {
    const noPython = setup('--python', 'no-such-python-here');
    expect(noPython.status).toBe(1);
    expect(noPython.stderr).toMatch(/no Python \(no-such-python-here\) on PATH/);
    const check = setup('--check');
    expect(check.status).toBe(1);
    expect(check.stdout).toBe('setup:tfjs-node: not usable: not installed\n');
    expect(existsSync(join(project, 'node_modules', '@tensorflow'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', '.cache', 'tear-ssl', 'libtensorflow-staging'))).toBe(false);
  });
});
