import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repo, trackedFiles } from './trackedFiles';

/**
 * Committed records and docs must not name the machine they were made on: its home, work or temporary
 * folders (the study's records once held the absolute path of their checkout 388 times). Paths in records are relative to
 * the run or grid folder (src/cli/provenance.ts).
 *
 * Allowed: system install paths that are the same on every machine with the package and say where a
 * documented dependency lives, not where someone worked: /usr/share/datasets/fashion-mnist (Debian's
 * dataset-fashion-mnist package, the study's data), /usr/bin/python3 and /usr/bin/chromium (the
 * interpreter and browser the fixtures and browser tests use). They are not matched below.
 */
export const MACHINE_PATH = /(?<![\w.~-])(?:\/(?:work|home|tmp|root|Users|mnt|media|scratch|private\/var|var\/folders|var\/tmp)\/[^\s"'`)|,;]*|[A-Za-z]:\\(?:Users|Documents and Settings)\\[^\s"'`)|,;]*)/g;

/** What the check reads: records of studies and benchmarks, and the documentation (npm ships docs/). */
export const RECORD_PATHS = ['studies', 'bench/records', 'soak/records', 'docs', '*.md', 'examples/*.md', 'data/*.md'];

/** "file:line: path" for each machine path in `text`. */
export function machinePaths(file: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(MACHINE_PATH)) found.push(`${file}:${i + 1}: ${m[0]}`);
  });
  return found;
}

describe('no machine paths in committed records and docs', () => {
  const tracked = trackedFiles(RECORD_PATHS);

  it.skipIf(tracked === undefined)('no tracked record or doc holds an absolute path of a machine (relative to the run or grid folder instead)', () => {
    const files = (tracked as string[]).filter((f) => !/\.(bin|png|jpe?g|gz|ckpt)$/.test(f));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((f) => machinePaths(f, readFileSync(join(repo, f), 'utf8')));
    expect(found.slice(0, 20), `${found.length} machine path(s)`).toEqual([]);
  });

  it('the check can fail, naming the file and line, and lets system install paths through', () => {
    expect(machinePaths('studies/x/run.json', '{\n  "out": "/scratch/alice/study/studies/x/cells/a",\n}')).toEqual(['studies/x/run.json:2: /scratch/alice/study/studies/x/cells/a']);
    expect(machinePaths('docs/a.md', 'see /home/me/notes.md and /tmp/x. Also C:\\Users\\me\\run')).toEqual([
      'docs/a.md:1: /home/me/notes.md', 'docs/a.md:1: /tmp/x.', 'docs/a.md:1: C:\\Users\\me\\run',
    ]);
    expect(machinePaths('r.json', '"backend": "… imported from /root/tear-ssl/src/backends/selectBackend.ts"')).toHaveLength(1);
    expect(machinePaths('r.json', '"data": "/usr/share/datasets/fashion-mnist", /usr/bin/python3, runs/tmp/x, ./scratch/y, ~/scratch')).toEqual([]);
  });
});
