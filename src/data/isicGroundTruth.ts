import { DataFormatError } from './errors';
import { readDataFile } from './readFile';
import { ISIC2018_CLASS_NAMES } from './isicSplitFile';

/** A ground-truth row: the class index and the 1-based CSV line it came from. */
export interface IsicGroundTruthRow {
  label: number;
  line: number;
}

/**
 * Parses the official ISIC 2018 Task 3 ground-truth CSV: header `image,MEL,NV,BCC,AKIEC,BKL,DF,VASC`,
 * then rows `<image id>,<7 floats>` that are one-hot (one 1.0, the rest 0.0). Returns id → label.
 * Errors name the file and line.
 */
export async function readIsicGroundTruth(path: string): Promise<Map<string, IsicGroundTruthRow>> {
  const text = new TextDecoder().decode(await readDataFile(path)).replace(/^\uFEFF/, '');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const expectedHeader = ['image', ...ISIC2018_CLASS_NAMES].join(',');
  if (lines.length === 0 || lines[0].replace(/\s/g, '') !== expectedHeader) {
    throw new DataFormatError(path, `header must be '${expectedHeader}', got '${lines[0] ?? ''}'`, { line: 1 });
  }
  const rows = new Map<string, IsicGroundTruthRow>();
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    const fields = lines[i].split(',').map((f) => f.trim());
    if (fields.length !== 8) throw new DataFormatError(path, `expected 8 comma-separated fields (image and 7 class values), got ${fields.length}`, { line });
    const [id, ...values] = fields;
    const numbers = values.map(Number);
    const bad = values.findIndex((v, k) => v === '' || !(numbers[k] === 0 || numbers[k] === 1));
    if (bad >= 0) throw new DataFormatError(path, `${ISIC2018_CLASS_NAMES[bad]} value '${values[bad]}' must be 0.0 or 1.0`, { line });
    if (numbers.filter((v) => v === 1).length !== 1) throw new DataFormatError(path, 'the 7 class values must be one-hot (exactly one 1.0)', { line });
    if (rows.has(id)) throw new DataFormatError(path, `image ${id} is listed twice (first on line ${rows.get(id)!.line})`, { line });
    rows.set(id, { label: numbers.indexOf(1), line });
  }
  return rows;
}
