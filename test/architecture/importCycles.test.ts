import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '..', '..');

/** Every .ts file under `dir`. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The relative imports of each file (static `import`/`export … from`, type-only included), resolved to files. */
function importGraph(files: readonly string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(read(file), true, false);
    const targets = importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.')).flatMap((name) => {
      const base = resolve(dirname(file), name);
      const found = [`${base}.ts`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')].find((c) => known.has(c));
      return found === undefined ? [] : [found];
    });
    graph.set(file, targets);
  }
  return graph;
}

/** The cycles of a graph found by depth-first search, each as its files in order, the first repeated at the end. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
  return found;
}

describe('import graph', () => {
  it('src/ and web/src/ have no import cycle, type-only imports included (a type import that becomes a value import must not break loading)', () => {
    const files = [join(repo, 'src'), join(repo, 'web', 'src')].filter(existsSync).flatMap(tsFiles);
    const graph = importGraph(files, (f) => readFileSync(f, 'utf8'));
    expect(graph.size).toBeGreaterThan(100);
    expect(cycles(graph).map((c) => c.map((f) => relative(repo, f)).join(' → '))).toEqual([]);
  });

  it('the check can fail: a type-only import back to an importer is a cycle', () => {
    const sources: Record<string, string> = {
      '/p/a.ts': "import { b } from './b';\nexport const a = b;",
      '/p/b.ts': "import type { C } from './sub';\nexport const b = 1;",
      '/p/sub/index.ts': "import type { a } from '../a';\nexport type C = typeof a;",
      '/p/leaf.ts': "export {};",
    };
    const graph = importGraph(Object.keys(sources), (f) => sources[f]);
    expect(cycles(graph)).toEqual([['/p/a.ts', '/p/b.ts', '/p/sub/index.ts', '/p/a.ts']]);
    delete sources['/p/sub/index.ts'];
    sources['/p/sub/index.ts'] = 'export type C = number;';
    expect(cycles(importGraph(Object.keys(sources), (f) => sources[f]))).toEqual([]);
  });
});
