/**
 * The API reference from the doc comments (typedoc): `docs/api.md`, one line per export of
 * `tear-ssl/core`, `tear-ssl` (its Node-only additions) and `tear-ssl/wasm`, each with the first
 * sentence of its doc comment and its source file. typedoc's validation runs on the way: an export
 * without a doc comment, a broken `{@link}`, or a type referenced but not exported is a problem.
 *
 *   npx tsx scripts/apiReference.ts          # rewrite docs/api.md (npm run docs:api)
 *   npx tsx scripts/apiReference.ts --check  # exit 1 if docs/api.md differs or a problem is found
 *
 * test/docs/apiReference.test.ts runs the check inside `npm test`; `npm run docs` writes the HTML
 * version to api-reference/ (not committed).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  Application, Logger, LogLevel, ReflectionKind, TSConfigReader, TypeDocReader,
  ReferenceReflection, type CommentDisplayPart, type DeclarationReflection, type ProjectReflection, type Reflection,
} from 'typedoc';

/** Where the generated reference lives. */
export const API_REFERENCE_FILE = 'docs/api.md';

class CollectingLogger extends Logger {
  readonly problems: string[] = [];

  override log(message: string, level: LogLevel): void {
    if (level >= LogLevel.Warn) this.problems.push(message.replace(/\x1b\[[0-9;]*m/g, ''));
  }
}

const ENTRIES: Array<{ module: string; title: string; intro: string }> = [
  { module: 'core', title: '`tear-ssl/core`', intro: 'Browser-safe: math, state, models, augmentations, metrics, and the trainer with in-memory checkpoints. Also exported by `tear-ssl`.' },
  { module: 'index', title: '`tear-ssl`', intro: 'Node: everything in `tear-ssl/core`, plus the following.' },
  { module: 'wasm', title: '`tear-ssl/wasm`', intro: 'Training kernels for the tfjs wasm backend (browser and Node).' },
];

const GROUPS: Array<{ title: string; kinds: ReflectionKind[] }> = [
  { title: 'Functions', kinds: [ReflectionKind.Function] },
  { title: 'Classes', kinds: [ReflectionKind.Class] },
  { title: 'Constants', kinds: [ReflectionKind.Variable, ReflectionKind.Enum] },
  { title: 'Interfaces and types', kinds: [ReflectionKind.Interface, ReflectionKind.TypeAlias] },
];

/** The first sentence of a doc comment's summary, on one line. */
function firstSentence(parts: readonly CommentDisplayPart[] | undefined): string {
  const text = (parts ?? []).map((p) => p.text).join('').split(/\n\s*\n/)[0].replace(/\s+/g, ' ').trim();
  const match = /^(.+?\.)(\s|$)/.exec(text);
  return (match ? match[1] : text).replace(/\|/g, '\\|');
}

function summaryOf(reflection: DeclarationReflection): string {
  const comment = reflection.comment ?? reflection.signatures?.find((s) => s.comment)?.comment;
  return firstSentence(comment?.summary);
}

function sourceOf(reflection: DeclarationReflection): string {
  const file = reflection.sources?.[0]?.fileName ?? '';
  return file.replace(/^.*?\bsrc\//, 'src/');
}

/** A re-export (`export * from './core'`) is a reference; the declaration it points to has the kind and comment. */
function declarationOf(child: Reflection): DeclarationReflection {
  return (child instanceof ReferenceReflection ? child.getTargetReflectionDeep() : child) as DeclarationReflection;
}

function render(project: ProjectReflection): string {
  const modules = new Map((project.children ?? []).map((m) => [m.name, m]));
  const coreNames = new Set((modules.get('core')?.children ?? []).map((c) => c.name));
  const lines = [
    '# API reference',
    '',
    'Every export of the package, with the first sentence of its doc comment. Generated from the doc',
    'comments by `npm run docs:api` (typedoc); `npm test` fails when an export is missing here or',
    'listed but gone, when an export has no doc comment, or when a `{@link}` is broken. `npm run docs`',
    'writes the full HTML reference (signatures, parameters, every field) to `api-reference/`. Guides: [README](../README.md),',
    '[trainer](trainer.md), [data](data.md), [models](models.md), [metrics](metrics.md), [cli](cli.md).',
    '',
  ];
  for (const entry of ENTRIES) {
    const module = modules.get(entry.module);
    if (module === undefined) continue;
    const own = (module.children ?? []).filter((c) => entry.module !== 'index' || !coreNames.has(c.name))
      .map((c) => ({ name: c.name, declaration: declarationOf(c) }));
    lines.push(`## ${entry.title}`, '', entry.intro, '');
    for (const group of GROUPS) {
      const members = own.filter((c) => group.kinds.includes(c.declaration.kind)).sort((a, b) => a.name.localeCompare(b.name));
      if (members.length === 0) continue;
      lines.push(`### ${group.title}`, '', '| export | what it is | source |', '|---|---|---|');
      for (const m of members) lines.push(`| \`${m.name}\` | ${summaryOf(m.declaration)} | \`${sourceOf(m.declaration)}\` |`);
      lines.push('');
    }
  }
  return lines.join('\n');
}

/**
 * The rows of an API reference, as `<section heading> <export name>`: what must match between
 * docs/api.md and the doc comments (a reworded summary alone does not make the file stale).
 */
export function apiRows(markdown: string): string[] {
  let section = '';
  return markdown.split('\n').flatMap((line) => {
    if (line.startsWith('## ')) section = line;
    const name = /^\| `([^`]+)` \|/.exec(line)?.[1];
    return name === undefined ? [] : [`${section} ${name}`];
  });
}

/** Runs typedoc (conversion and validation) and renders docs/api.md; `problems` lists typedoc's warnings and errors. */
export async function buildApiReference(root = process.cwd()): Promise<{ markdown: string; problems: string[] }> {
  const app = await Application.bootstrapWithPlugins({ options: resolve(root, 'typedoc.json') }, [new TypeDocReader(), new TSConfigReader()]);
  const logger = new CollectingLogger();
  app.logger = logger;
  const project = await app.convert();
  if (project === undefined) return { markdown: '', problems: [...logger.problems, 'typedoc could not convert the project'] };
  app.validate(project);
  return { markdown: render(project), problems: logger.problems };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename ?? '')) {
  const { markdown, problems } = await buildApiReference();
  for (const p of problems) console.error(`typedoc: ${p}`);
  if (process.argv.includes('--check')) {
    const listed = apiRows(readFileSync(API_REFERENCE_FILE, 'utf8'));
    const wanted = apiRows(markdown);
    const stale = listed.join('\n') !== wanted.join('\n');
    if (stale) {
      const missing = wanted.filter((r) => !listed.includes(r));
      const gone = listed.filter((r) => !wanted.includes(r));
      console.error(`${API_REFERENCE_FILE} does not list the exports (missing: ${missing.join(', ') || 'none'}; gone: ${gone.join(', ') || 'none'}): run npm run docs:api`);
    }
    process.exitCode = problems.length > 0 || stale ? 1 : 0;
  } else {
    writeFileSync(API_REFERENCE_FILE, markdown);
    console.log(`wrote ${API_REFERENCE_FILE}`);
    process.exitCode = problems.length > 0 ? 1 : 0;
  }
}
