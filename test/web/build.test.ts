import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { browserSafe } from '../../web/build';

const dir = mkdtempSync(join(tmpdir(), 'tear-web-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(entry: string): Promise<{ errors: string[]; code: string }> {
  try {
    const r = await build({
      entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent',
      external: ['@tensorflow/*'], plugins: [browserSafe()],
    });
    return { errors: [], code: r.outputFiles[0].text };
  } catch (e) {
    return { errors: ((e as { errors?: { text: string }[] }).errors ?? []).map((x) => x.text), code: '' };
  }
}

describe('web build: Node built-ins', () => {
  it('fails when any file imports a Node built-in, naming the file and the module', async () => {
    const entry = join(dir, 'uses-fs.ts');
    writeFileSync(entry, "import { readFileSync } from 'node:fs';\nexport const f = () => readFileSync('x');\n");
    const { errors } = await bundle(entry);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/uses-fs\.ts imports node:fs: the page must stay browser-safe/);
  });

  it('stubs nothing: the Node-only checkpoint file module fails the build, the pure payload codec and the trainer bundle', async () => {
    const files = await bundle('src/training/checkpoint.ts');
    expect(files.errors.some((e) => /src\/training\/checkpoint\.ts imports node:crypto/.test(e))).toBe(true);
    for (const pure of ['src/training/checkpointPayload.ts', 'src/training/trainer.ts', 'src/data/makeSplit.ts']) {
      expect((await bundle(pure)).errors, pure).toEqual([]);
    }
  });

  it('the training worker (trainer, core, CLI recipe files) bundles for the browser', async () => {
    const { errors } = await bundle('web/src/worker.ts');
    expect(errors).toEqual([]);
  });
});
