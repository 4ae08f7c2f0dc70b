import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { API_REFERENCE_FILE, apiRows } from '../../scripts/apiReference';
import * as core from '../../src/core';
import * as root from '../../src/index';
import * as wasm from '../../src/wasm';

const repo = resolve(__dirname, '..', '..');

describe('API reference (typedoc)', () => {
  it('every export has a doc comment, every {@link} resolves, and docs/api.md lists exactly the exports (npm run docs:api)', async () => {
    // typedoc runs in a child process: its synchronous conversion must not block this test worker
    const tsx = join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const result = await promisify(execFile)(process.execPath, [tsx, join(repo, 'scripts', 'apiReference.ts'), '--check'], { cwd: repo, encoding: 'utf8' })
      .then(() => ({ code: 0, stderr: '' }), (e: { code?: number; stderr?: string }) => ({ code: e.code ?? 1, stderr: e.stderr ?? '' }));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 180_000);

  it('the check can fail: a listing without one export, or with a renamed one, is not the reference', () => {
    const text = readFileSync(join(repo, API_REFERENCE_FILE), 'utf8');
    const rows = apiRows(text);
    expect(rows.length).toBeGreaterThan(200);
    expect(apiRows(text.replace(/^\| `adaplLoss` \|.*\n/m, ''))).not.toEqual(rows);
    expect(apiRows(text.replace('| `adaplLoss` |', '| `adaplLos` |'))).not.toEqual(rows);
    expect(apiRows(text.replace(/(\| `adaplLoss` \| )[^|]*/, '$1reworded '))).toEqual(rows);
  });

  it('docs/api.md names every runtime export of tear-ssl, tear-ssl/core and tear-ssl/wasm', () => {
    const text = readFileSync(join(repo, API_REFERENCE_FILE), 'utf8');
    const missing = [...new Set([...Object.keys(root), ...Object.keys(core), ...Object.keys(wasm)])].filter((name) => !text.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1])));
}

describe('documentation links', () => {
  it('every relative link in README.md and docs/*.md points to an existing file (and heading) inside the repository', () => {
    const files = [join(repo, 'README.md'), ...readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(repo, 'docs', f))];
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue; // http(s):, mailto:
        const [path, anchor] = target.split('#');
        const resolved = path === '' ? file : resolve(dirname(file), path);
        if (!resolved.startsWith(`${repo}/`)) {
          broken.push(`${file.slice(repo.length + 1)}: ${target} (outside the repository)`);
        } else if (!existsSync(resolved)) {
          broken.push(`${file.slice(repo.length + 1)}: ${target} (no such file)`);
        } else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) {
          broken.push(`${file.slice(repo.length + 1)}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
