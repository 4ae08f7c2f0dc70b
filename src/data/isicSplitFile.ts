import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DataFormatError } from './errors';
import { readDataFile } from './readFile';

/** ISIC 2018 Task 3 classes, in the column order of the split files and of the official ground truth. */
export const ISIC2018_CLASS_NAMES = ['MEL', 'NV', 'BCC', 'AKIEC', 'BKL', 'DF', 'VASC'];

/** One line of a split file: the image file name, its id (name without .jpg), the class and the 1-based line. */
export interface IsicSplitEntry {
  fileName: string;
  id: string;
  label: number;
  line: number;
}

/**
 * Parses a TEAR split file: each line is `<image id>.jpg`, two spaces, seven 0/1 values (one-hot over
 * MEL NV BCC AKIEC BKL DF VASC), a trailing space; the last line may lack its newline. Runs of spaces
 * are accepted as separators, \r\n endings too; trailing blank lines are ignored. Errors name the file
 * and line: wrong number of values, a value other than 0/1, a row that is not one-hot, a name that is
 * not a .jpg, a duplicate id.
 */
export async function readIsicSplitFile(path: string): Promise<IsicSplitEntry[]> {
  const text = new TextDecoder().decode(await readDataFile(path));
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const entries: IsicSplitEntry[] = [];
  const seen = new Map<string, number>();
  const numClasses = ISIC2018_CLASS_NAMES.length;
  for (const [i, text] of lines.entries()) {
    const line = i + 1;
    const fields = text.trim().split(/\s+/);
    const [fileName, ...values] = fields;
    if (values.length !== numClasses) {
      throw new DataFormatError(path, `expected an image name and ${numClasses} one-hot values (${ISIC2018_CLASS_NAMES.join(' ')}), got ${fields.length - 1} value(s) in '${text}'`, { line });
    }
    if (!/\.jpg$/i.test(fileName)) throw new DataFormatError(path, `image name '${fileName}' does not end in .jpg`, { line });
    const bad = values.findIndex((v) => v !== '0' && v !== '1');
    if (bad >= 0) throw new DataFormatError(path, `value ${bad + 1} ('${values[bad]}') must be 0 or 1`, { line });
    const ones = values.filter((v) => v === '1').length;
    if (ones !== 1) throw new DataFormatError(path, `the ${numClasses} values must be one-hot (exactly one 1), got ${ones} ones`, { line });
    const id = fileName.replace(/\.jpg$/i, '');
    const previous = seen.get(id);
    if (previous !== undefined) throw new DataFormatError(path, `image ${fileName} is listed twice (first on line ${previous})`, { line });
    seen.set(id, line);
    entries.push({ fileName, id, label: values.indexOf('1'), line });
  }
  return entries;
}

/**
 * The path of a split entry's image inside `root`; an absolute name or one that leaves the root
 * (`..`) is a DataFormatError naming the split file and line.
 */
export function imagePathInside(root: string, entry: IsicSplitEntry, splitFile: string): string {
  const rootPath = resolve(root);
  const full = resolve(rootPath, entry.fileName);
  const rel = relative(rootPath, full);
  const escapes = isAbsolute(entry.fileName) || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)
    || entry.fileName.split(/[\\/]/).includes('..');
  if (escapes) throw new DataFormatError(splitFile, `image name '${entry.fileName}' leaves the images folder ${rootPath}`, { line: entry.line });
  return full;
}
