import type { IsicSplitEntry } from './isicSplitFile';

/**
 * The pool file shipped in place of TEAR's five `Train_unl<N>.txt` lists: every training image of the
 * release (9595) once, in the order the release's lists use.
 */
export const ISIC2018_POOL_FILE = 'Train_pool.txt';

/**
 * Pool images that TEAR's `Train_unl<N>.txt` leaves out although `Train<N>.txt` does not list them
 * either (each budget's pool holds 9593 of the 9595 images). Read off the release's files.
 */
export const ISIC2018_POOL_EXCLUDED: Readonly<Record<350 | 600 | 800 | 1200 | 2000, readonly string[]>> = {
  350: ['ISIC_0024323', 'ISIC_0031957'],
  600: ['ISIC_0024323', 'ISIC_0027067'],
  800: ['ISIC_0024323', 'ISIC_0032433'],
  1200: ['ISIC_0024400', 'ISIC_0031900'],
  2000: ['ISIC_0024400', 'ISIC_0031900'],
};

/**
 * TEAR's unlabeled list of a budget, derived: the pool in its order, less the labeled images and the
 * budget's two excluded ones. Equal, line for line, to the release's `Train_unl<N>.txt` (a test checks
 * the SHA-256 of the rendered text against the release's files). Entries keep their pool-file line.
 *
 * @param pool - the entries of `Train_pool.txt`.
 * @param labeled - the entries of `Train<N>.txt`.
 * @param budget - N, which selects the excluded images.
 * @returns the unlabeled entries, in pool order.
 */
export function deriveIsicUnlabeledSplit(pool: readonly IsicSplitEntry[], labeled: readonly IsicSplitEntry[], budget: keyof typeof ISIC2018_POOL_EXCLUDED): IsicSplitEntry[] {
  const left = new Set([...labeled.map((e) => e.id), ...ISIC2018_POOL_EXCLUDED[budget]]);
  return pool.filter((e) => !left.has(e.id));
}

/**
 * A split file's text for `entries`, in the release's layout: `<name>.jpg`, two spaces, seven one-hot
 * values each followed by a space, one line per image, a final newline.
 */
export function renderIsicSplitFile(entries: readonly IsicSplitEntry[], numClasses = 7): string {
  return entries.map((e) => `${e.fileName}  ${Array.from({ length: numClasses }, (_, k) => (k === e.label ? '1 ' : '0 ')).join('')}`)
    .map((line) => `${line}\n`).join('');
}
