import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as core from '../../src/core';

/**
 * Issue 18, point 5: every exported function of src/math documents its parameters, its return value and
 * where it comes from (`@param`, `@returns`, `@see`), and has an `@example` that compiles (type-checked
 * against src/core with the project's compiler options) and runs (on the test backend, without leaking
 * a tensor). The examples are what docs/api.md's full HTML reference (`npm run docs`) shows.
 */

const repo = resolve(__dirname, '..', '..');
const mathDir = join(repo, 'src', 'math');

interface Documented {
  name: string;
  file: string;
  params: string[];
  tags: Map<string, string[]>;
}

const tagText = (tag: ts.JSDocTag): string => (typeof tag.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag.comment) ?? '');

/** The exported functions of src/math that the package exports (core), with their doc tags (the first overload's). */
function documentedFunctions(): Documented[] {
  const out: Documented[] = [];
  for (const file of readdirSync(mathDir).filter((f) => f.endsWith('.ts')).sort()) {
    const source = ts.createSourceFile(file, readFileSync(join(mathDir, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    const seen = new Set<string>();
    for (const node of source.statements) {
      if (!ts.isFunctionDeclaration(node) || node.name === undefined) continue;
      const name = node.name.text;
      if (seen.has(name) || !(name in core)) continue;
      if (!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      seen.add(name);
      const tags = new Map<string, string[]>();
      for (const tag of ts.getJSDocTags(node)) {
        const key = tag.tagName.text;
        const text = ts.isJSDocParameterTag(tag) ? tag.name.getText(source) : tagText(tag);
        tags.set(key, [...(tags.get(key) ?? []), text]);
      }
      out.push({ name, file, params: node.parameters.map((p) => p.name.getText(source)), tags });
    }
  }
  return out;
}

/** The code of an @example: the body of its ```ts fence. */
function exampleCode(text: string): string {
  const fenced = /```(?:ts|typescript)?\n([\s\S]*?)```/.exec(text);
  return (fenced ? fenced[1] : text).trim();
}

const functions = documentedFunctions();
const runtimeNames = Object.keys(core).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));

describe('src/math doc comments (issue 18, point 5)', () => {
  it('covers every exported function of src/math', () => {
    expect(functions.length).toBeGreaterThan(25);
    expect(functions.map((f) => f.name)).toEqual(expect.arrayContaining(['softCrossEntropy', 'adaplLoss', 'iphLoss', 'kmeans', 'lossEstimate']));
  });

  it('every one has @param for each parameter, @returns, @see and an @example', () => {
    const missing: string[] = [];
    for (const f of functions) {
      for (const p of f.params) if (!(f.tags.get('param') ?? []).includes(p)) missing.push(`${f.name}: @param ${p}`);
      for (const tag of ['returns', 'see', 'example']) if (!f.tags.has(tag)) missing.push(`${f.name}: @${tag}`);
    }
    expect(missing).toEqual([]);
  });

  it('every @example type-checks against src/core', () => {
    const virtual = join(repo, 'test', 'math', '__mathDocExamples__.ts');
    const body = functions.flatMap((f) => (f.tags.get('example') ?? []).map((text, i) =>
      `export function example_${f.name}_${i}(): void {\n${exampleCode(text)}\n}\n`));
    const text = `import * as tf from '@tensorflow/tfjs';\nimport { ${runtimeNames.join(', ')} } from '../../src/core';\n\n${body.join('\n')}`;
    const config = ts.readConfigFile(join(repo, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repo);
    const host = ts.createCompilerHost({ ...options, noEmit: true });
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) =>
      resolve(name) === virtual ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => resolve(name) === virtual || fileExists(name);
    const program = ts.createProgram([virtual], { ...options, noEmit: true }, host);
    const file = program.getSourceFile(virtual);
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const line = at ? text.split('\n')[at.line] : '';
      return `${ts.flattenDiagnosticMessageText(d.messageText, '\n')} at: ${line.trim()}`;
    });
    expect(diagnostics).toEqual([]);
  }, 120_000);

  for (const f of functions) {
    for (const [i, example] of (f.tags.get('example') ?? []).entries()) {
      it(`the @example of ${f.name}${i > 0 ? ` (${i + 1})` : ''} runs without leaking a tensor`, () => {
        const js = ts.transpileModule(exampleCode(example), { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
        const run = new Function('tf', ...runtimeNames, js) as (...args: unknown[]) => void;
        const before = tf.memory().numTensors;
        tf.tidy(() => run(tf, ...runtimeNames.map((n) => (core as Record<string, unknown>)[n])));
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});
