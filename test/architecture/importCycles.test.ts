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

/** Every file reachable from `entry` by relative imports, with the Node built-ins each imports (`node:*`, or a bare built-in name). */
function nodeImportsReachable(entry: string, read: (file: string) => string, files: readonly string[]): Map<string, string[]> {
  const graph = importGraph(files, read);
  const builtins = new Set(['fs', 'fs/promises', 'path', 'os', 'crypto', 'child_process', 'worker_threads', 'url', 'module', 'util', 'http', 'net', 'stream', 'zlib']);
  const found = new Map<string, string[]>();
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const node = ts.preProcessFile(read(file), true, true).importedFiles.map((f) => f.fileName)
      .filter((name) => name.startsWith('node:') || builtins.has(name));
    if (node.length > 0) found.set(file, node);
    stack.push(...(graph.get(file) ?? []));
  }
  return found;
}

describe('tear-ssl/core is browser-safe (issue 18, point 3)', () => {
  const files = tsFiles(join(repo, 'src'));
  const read = (f: string): string => readFileSync(f, 'utf8');

  it('no file reachable from src/core.ts imports a Node built-in; the trainer and the checkpoint payload codec are among them', () => {
    const found = nodeImportsReachable(join(repo, 'src', 'core.ts'), read, files);
    expect([...found].map(([f, names]) => `${relative(repo, f)}: ${names.join(', ')}`)).toEqual([]);
    const reachable = new Set<string>();
    const graph = importGraph(files, read);
    const walk = (f: string): void => { if (!reachable.has(f)) { reachable.add(f); (graph.get(f) ?? []).forEach(walk); } };
    walk(join(repo, 'src', 'core.ts'));
    for (const file of ['training/trainer.ts', 'training/checkpointPayload.ts', 'training/trainerStates.ts', 'training/algorithms/references.ts']) {
      expect(reachable.has(join(repo, 'src', file)), file).toBe(true);
    }
  });

  it('the check can fail: the Node root entry reaches the checkpoint file module and its node:fs', () => {
    const found = nodeImportsReachable(join(repo, 'src', 'index.ts'), read, files);
    expect(found.get(join(repo, 'src', 'training', 'checkpoint.ts'))).toEqual(expect.arrayContaining(['node:fs', 'node:crypto']));
  });
});

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
