import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_ONLY_IMPORTERS, nodeStubs } from '../../web/build';

const dir = mkdtempSync(join(tmpdir(), 'tear-web-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(entry: string): Promise<{ errors: string[]; code: string }> {
  try {
    const r = await build({
      entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent',
      external: ['@tensorflow/*'], plugins: [nodeStubs()],
    });
    return { errors: [], code: r.outputFiles[0].text };
  } catch (e) {
    return { errors: ((e as { errors?: { text: string }[] }).errors ?? []).map((x) => x.text), code: '' };
  }
}

describe('web build: Node built-ins', () => {
  it('fails when a file outside the allow-list imports a Node built-in, naming the file and the module', async () => {
    const entry = join(dir, 'uses-fs.ts');
    writeFileSync(entry, "import { readFileSync } from 'node:fs';\nexport const f = () => readFileSync('x');\n");
    const { errors } = await bundle(entry);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/uses-fs\.ts imports node:fs: the page must stay browser-safe/);
  });

  it('stubs the allow-listed files\' Node imports with functions that throw a clear error', async () => {
    expect(NODE_ONLY_IMPORTERS).toContain('src/training/checkpoint.ts');
    const { errors, code } = await bundle('src/training/checkpoint.ts');
    expect(errors).toEqual([]);
    expect(code).toContain('tear-ssl web: node:crypto is not available in the browser');
    expect(code).toContain('tear-ssl web: node:fs is not available in the browser');
  });

  it('the training worker (trainer, core, CLI recipe files) bundles for the browser', async () => {
    const { errors } = await bundle('web/src/worker.ts');
    expect(errors).toEqual([]);
  });
});
