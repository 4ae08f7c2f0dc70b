import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'tear-ssl';

/** The folder of this module, in ESM (import.meta.url) and in CJS builds (__dirname). */
function moduleDirectory(): string {
  if (typeof __dirname === 'string' && __dirname !== '') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * The root folder of the tear-ssl package (the nearest folder above this module whose package.json is
 * named tear-ssl). Works from src/ (tsx, vitest) and from dist/ (built ESM or CJS).
 */
export function packageRoot(start: string = moduleDirectory()): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // an unreadable package.json on the way up is not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`tear-ssl: could not find the ${PACKAGE_NAME} package root above ${start}`);
    dir = parent;
  }
}

/** A path inside the package's own data/ folder (shipped in the npm tarball). */
export function packageDataPath(file: string): string {
  return join(packageRoot(), 'data', file);
}

/** The `version` field of tear-ssl's own package.json (what `tear-ssl --version` prints). */
export function packageVersion(): string {
  const manifest = join(packageRoot(), 'package.json');
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error(`tear-ssl: ${manifest} has no version`);
  return version;
}
