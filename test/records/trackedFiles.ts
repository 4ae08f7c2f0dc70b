import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export const repo = resolve(__dirname, '..', '..');

/**
 * The files git tracks under `paths` (relative to the repository), as `git ls-files` lists them, or
 * undefined outside a git checkout (an unpacked tarball): the record checks are about what is committed.
 */
export function trackedFiles(paths: readonly string[]): string[] | undefined {
  try {
    return execFileSync('git', ['ls-files', '-z', '--', ...paths], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\0').filter((f) => f !== '');
  } catch {
    return undefined;
  }
}
