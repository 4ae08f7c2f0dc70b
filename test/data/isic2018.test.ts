import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../src/data/errors';
import { ISIC2018_NORMALIZATION, loadIsic2018 } from '../../src/data/isic2018';
import { ISIC2018_BUDGETS, type Isic2018Budget } from '../../src/data/isic2018';
import { ISIC2018_CLASS_NAMES, readIsicSplitFile } from '../../src/data/isicSplitFile';
import { deriveIsicUnlabeledSplit, renderIsicSplitFile } from '../../src/data/isicUnlabeledSplit';
import { makeTempDir } from './tempDir';

const temp = makeTempDir('isic');
afterAll(() => temp.remove());

const COLORS: Array<[number, number, number]> = [[200, 40, 120], [30, 180, 90], [250, 250, 10], [60, 60, 60], [10, 100, 220], [140, 20, 200], [220, 130, 40], [90, 210, 230]];
/** Image i is a solid 20×14 JPEG of COLORS[i]; class i mod 7. */
const ids = COLORS.map((_, i) => `ISIC_00000${i + 10}`);
const splitLine = (i: number, label = i % 7) => `${ids[i]}.jpg  ${Array.from({ length: 7 }, (_, c) => (c === label ? 1 : 0)).join(' ')} `;
/** Format-exact split text: two spaces, seven values, trailing space, no newline after the last line. */
const splitText = (rows: number[]) => rows.map((i) => splitLine(i)).join('\n');

let imagesDir = '';
const good = { 'Train350.txt': splitText([0, 1, 2]), 'Train_unl350.txt': `${splitText([3, 4, 5])}\n`, 'Val.txt': splitText([6]), 'Test.txt': splitText([7]) };

let setCount = 0;
function writeSplits(overrides: Record<string, string> = {}): string {
  const dir = join(temp.dir, `splits${setCount++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries({ ...good, ...overrides })) writeFileSync(join(dir, name), text);
  return dir;
}

function groundTruth(labelOf: (i: number) => number, header = 'image,MEL,NV,BCC,AKIEC,BKL,DF,VASC'): string {
  const file = join(temp.dir, `truth${setCount++}.csv`);
  const rows = ids.map((id, i) => `${id},${Array.from({ length: 7 }, (_, c) => (c === labelOf(i) ? '1.0' : '0.0')).join(',')}`);
  writeFileSync(file, `${header}\n${rows.join('\n')}\n`);
  return file;
}

async function formatError(promise: Promise<unknown>): Promise<DataFormatError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DataFormatError);
  return error as DataFormatError;
}

beforeAll(async () => {
  imagesDir = join(temp.dir, 'images');
  mkdirSync(imagesDir);
  for (const [i, [r, g, b]] of COLORS.entries()) {
    await sharp({ create: { width: 20, height: 14, channels: 3, background: { r, g, b } } }).jpeg({ quality: 95 }).toFile(join(imagesDir, `${ids[i]}.jpg`));
  }
  // left half red, right half blue: checks the HWC layout after resizing
  const halves = Buffer.alloc(16 * 16 * 3);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) halves.set(x < 8 ? [255, 0, 0] : [0, 0, 255], (y * 16 + x) * 3);
  await sharp(halves, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(imagesDir, 'halves.jpg'));
});

describe('loadIsic2018', () => {
  it('loads the four parts with labels, ids and resized RGB pixels in [0, 1]', async () => {
    const data = await loadIsic2018({ imagesDir, splitsDir: writeSplits(), budget: 350, size: 6 });
    expect(data.labeled.ids).toEqual(ids.slice(0, 3));
    expect(data.unlabeled.ids).toEqual(ids.slice(3, 6));
    expect(data.validation.ids).toEqual([ids[6]]);
    expect(data.test.ids).toEqual([ids[7]]);
    expect(Array.from(data.labeled.labels)).toEqual([0, 1, 2]);
    expect(Array.from(data.unlabeled.labels)).toEqual([3, 4, 5]);
    expect(Array.from(data.validation.labels)).toEqual([6]);
    expect(Array.from(data.test.labels)).toEqual([0]);
    expect(data.labeled.shape).toEqual([6, 6, 3]);
    expect(data.labeled.classNames).toEqual(ISIC2018_CLASS_NAMES);
    expect(data.labeled.numClasses).toBe(7);
    const parts = [data.labeled, data.unlabeled, data.validation, data.test];
    const all = parts.flatMap((part) => Array.from({ length: part.labels.length }, (_, i) => part.images.subarray(i * 108, (i + 1) * 108)));
    for (const [i, image] of all.entries()) {
      for (let p = 0; p < 36; p++) {
        for (let c = 0; c < 3; c++) expect(Math.abs(image[3 * p + c] * 255 - COLORS[i][c])).toBeLessThanOrEqual(4);
      }
    }
  });

  it('derives the unlabeled part from Train_pool.txt when Train_unl<N>.txt is absent (pool order, labeled and excluded images left out)', async () => {
    const excluded = 'ISIC_0031957.jpg  0 1 0 0 0 0 0 '; // excluded for budget 350; its image does not exist and is never read
    const splitsDir = writeSplits({ 'Train_pool.txt': [splitLine(5), splitLine(0), excluded, splitLine(3), splitLine(4), splitLine(1), splitLine(2)].join('\n') });
    rmSync(join(splitsDir, 'Train_unl350.txt'));
    const data = await loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 2 });
    expect(data.unlabeled.ids).toEqual([ids[5], ids[3], ids[4]]);
    expect(Array.from(data.unlabeled.labels)).toEqual([5, 3, 4]);
    expect(data.labeled.ids).toEqual(ids.slice(0, 3));
    // errors in derived entries name the pool file and its line
    const missing = writeSplits({ 'Train_pool.txt': [splitLine(5), 'ISIC_0000099.jpg  1 0 0 0 0 0 0 '].join('\n') });
    rmSync(join(missing, 'Train_unl350.txt'));
    const error = await formatError(loadIsic2018({ imagesDir, splitsDir: missing, budget: 350 }));
    expect(error.file).toBe(join(missing, 'Train_pool.txt'));
    expect(error.message).toMatch(/Train_pool\.txt:2: image ISIC_0000099\.jpg not found/);
  });

  it('keeps the HWC layout: a left-red/right-blue image stays red on the left', async () => {
    const splitsDir = writeSplits({ 'Test.txt': 'halves.jpg  1 0 0 0 0 0 0 ' });
    const { test } = await loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 4 });
    const px = (y: number, x: number) => Array.from(test.images.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)).map((v) => Math.round(v * 255));
    expect(px(2, 0)).toEqual([255, 0, 0]);
    expect(px(1, 3)).toEqual([0, 0, 255]);
  });

  it('caches the resized pixels atomically and reuses them (one file for every budget), rebuilding a damaged cache', async () => {
    const cacheDir = join(temp.dir, 'cache');
    const splitsDir = writeSplits();
    let progress = 0;
    const first = await loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 5, cacheDir, onProgress: (done, total) => { progress = done; expect(total).toBe(8); } });
    expect(progress).toBe(8);
    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^isic2018-5x5x3-[0-9a-f]{16}\.bin$/);
    const bytes = readFileSync(join(cacheDir, files[0]));
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('TEARIMGC');
    expect(bytes.readUInt32LE(8)).toBe(2);
    expect(bytes.readUInt32LE(12)).toBe(8);
    expect(bytes.length).toBe(96 + 8 * 75);
    // the same ids under another budget's file names share the cache
    const otherBudget = writeSplits();
    for (const name of ['Train600.txt', 'Train_unl600.txt']) writeFileSync(join(otherBudget, name), readFileSync(join(splitsDir, name.replace('600', '350'))));
    progress = 0;
    const cached = await loadIsic2018({ imagesDir, splitsDir: otherBudget, budget: 600, size: 5, cacheDir, onProgress: () => { progress++; } });
    expect(progress).toBe(0);
    expect(Array.from(cached.unlabeled.images)).toEqual(Array.from(first.unlabeled.images));
    expect(Array.from(cached.labeled.images)).toEqual(Array.from(first.labeled.images));
    truncateSync(join(cacheDir, files[0]), 100);
    const rebuilt = await loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 5, cacheDir });
    expect(Array.from(rebuilt.test.images)).toEqual(Array.from(first.test.images));
    expect(readFileSync(join(cacheDir, files[0])).length).toBe(96 + 8 * 75);
    expect(readdirSync(cacheDir)).toEqual(files);
  });

  it('never serves the cache for images that were deleted or replaced, or from a body with corrupted pixels', async () => {
    const cacheDir = join(temp.dir, 'cache-content');
    const splitsDir = writeSplits();
    const first = await loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 5, cacheDir });
    // corrupt one pixel byte of the cached body: the body checksum rejects it, the images are decoded again
    const [file] = readdirSync(cacheDir);
    const bytes = readFileSync(join(cacheDir, file));
    bytes[96 + 7 * 75] ^= 0xff;
    writeFileSync(join(cacheDir, file), bytes);
    let progress = 0;
    const again = await loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 5, cacheDir, onProgress: () => { progress++; } });
    expect(progress).toBe(8);
    expect(Array.from(again.test.images)).toEqual(Array.from(first.test.images));
    // a deleted image is an error naming its split file and line, even though the cache holds its pixels
    const testImage = join(imagesDir, `${ids[7]}.jpg`);
    const original = readFileSync(testImage);
    rmSync(testImage);
    try {
      const error = await formatError(loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 5, cacheDir }));
      expect(error.message).toContain(`Test.txt:1: image ${ids[7]}.jpg not found`);
      // a replaced image (another colour) is decoded afresh, not served from the cache
      await sharp({ create: { width: 20, height: 14, channels: 3, background: { r: 0, g: 0, b: 0 } } }).jpeg({ quality: 95 }).toFile(testImage);
      progress = 0;
      const replaced = await loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 5, cacheDir, onProgress: () => { progress++; } });
      expect(progress).toBe(8);
      expect(Math.max(...Array.from(replaced.test.images))).toBeLessThan(0.05);
    } finally {
      writeFileSync(testImage, original);
    }
  });

  it('refuses a split file that lists no images, naming it', async () => {
    const splitsDir = writeSplits({ 'Test.txt': '\n' });
    const error = await formatError(loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 5 }));
    expect(error.file).toBe(join(splitsDir, 'Test.txt'));
    expect(error.message).toMatch(/Test\.txt: lists no images/);
  });

  it('names the split file, line and missing path of an absent image', async () => {
    const splitsDir = writeSplits({ 'Val.txt': `${splitLine(6)}\nISIC_9999999.jpg  0 0 0 0 0 0 1 ` });
    const error = await formatError(loadIsic2018({ imagesDir, splitsDir, budget: 350 }));
    expect(error.file).toBe(join(splitsDir, 'Val.txt'));
    expect(error.line).toBe(2);
    expect(error.message).toContain(`Val.txt:2: image ISIC_9999999.jpg not found: ${resolve(imagesDir, 'ISIC_9999999.jpg')}`);
  });

  it('rejects image names that leave the images folder', async () => {
    for (const name of ['../outside.jpg', 'sub/../../outside.jpg', '/etc/passwd.jpg']) {
      const splitsDir = writeSplits({ 'Test.txt': `${splitLine(7)}\n${name}  1 0 0 0 0 0 0 ` });
      const error = await formatError(loadIsic2018({ imagesDir, splitsDir, budget: 350 }));
      expect(error.line).toBe(2);
      expect(error.message).toMatch(/Test\.txt:2: image name .* leaves the images folder/);
    }
  });

  it('rejects malformed split lines, naming file and line', async () => {
    const cases: Array<[string, RegExp]> = [
      [`${splitLine(0)}\n${ids[1]}.jpg  0 1 0 0 0 0 `, /Train350\.txt:2: expected an image name and 7 one-hot values .* got 6 value/],
      [`${ids[1]}.jpg  0 1 0 0 0 0 0 0 `, /Train350\.txt:1: .* got 8 value/],
      [`${splitLine(0)}\n${splitLine(1)}\n${ids[2]}.jpg  0 1 1 0 0 0 0 `, /Train350\.txt:3: the 7 values must be one-hot \(exactly one 1\), got 2 ones/],
      [`${ids[2]}.jpg  0 0 0 0 0 0 0 `, /Train350\.txt:1: .*got 0 ones/],
      [`${ids[2]}.jpg  0 2 0 0 0 0 0 `, /Train350\.txt:1: value 2 \('2'\) must be 0 or 1/],
      [`${ids[2]}.png  0 1 0 0 0 0 0 `, /Train350\.txt:1: image name .* does not end in \.jpg/],
      [`${splitLine(0)}\n${splitLine(0)}`, /Train350\.txt:2: image .* listed twice \(first on line 1\)/],
    ];
    for (const [text, pattern] of cases) {
      const error = await formatError(loadIsic2018({ imagesDir, splitsDir: writeSplits({ 'Train350.txt': text }), budget: 350 }));
      expect(error.message).toMatch(pattern);
    }
    const overlap = await formatError(loadIsic2018({ imagesDir, splitsDir: writeSplits({ 'Test.txt': splitText([7, 2]) }), budget: 350 }));
    expect(overlap.message).toMatch(/Test\.txt:2: image ISIC_0000012\.jpg is also listed in .*Train350\.txt:3/);
  });

  it('cross-checks the official ground-truth CSV', async () => {
    const splitsDir = writeSplits();
    const ok = await loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 2, groundTruthCsv: groundTruth((i) => i % 7) });
    expect(Array.from(ok.test.labels)).toEqual([0]);
    const mismatch = await formatError(loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 2, groundTruthCsv: groundTruth((i) => (i === 4 ? 1 : i % 7)) }));
    expect(mismatch.message).toMatch(/Train_unl350\.txt:2: image ISIC_0000014 is BKL here but NV in .*truth\d+\.csv:6/);
    const header = await formatError(loadIsic2018({ imagesDir, splitsDir, budget: 350, groundTruthCsv: groundTruth((i) => i % 7, 'image,MEL,NV') }));
    expect(header.message).toMatch(/truth\d+\.csv:1: header must be 'image,MEL,NV,BCC,AKIEC,BKL,DF,VASC'/);
    const file = join(temp.dir, 'badrow.csv');
    writeFileSync(file, `image,MEL,NV,BCC,AKIEC,BKL,DF,VASC\n${ids[0]},1.0,0.0,0.0,0.0,0.0,0.0,0.0\n${ids[1]},0.0,0.5,0.0,0.0,0.0,0.0,0.0\n`);
    expect((await formatError(loadIsic2018({ imagesDir, splitsDir, budget: 350, groundTruthCsv: file }))).message)
      .toMatch(/badrow\.csv:3: NV value '0\.5' must be 0\.0 or 1\.0/);
  });

  it('names an image sharp cannot decode, with its split file line', async () => {
    const brokenDir = join(temp.dir, 'broken-images');
    mkdirSync(brokenDir);
    for (const id of ids) writeFileSync(join(brokenDir, `${id}.jpg`), readFileSync(join(imagesDir, `${id}.jpg`)));
    writeFileSync(join(brokenDir, `${ids[5]}.jpg`), Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]));
    const error = await formatError(loadIsic2018({ imagesDir: brokenDir, splitsDir: writeSplits(), budget: 350 }));
    expect(error.message).toMatch(/ISIC_0000015\.jpg: cannot decode image listed in .*Train_unl350\.txt:3/);
  });

  it('rejects an unknown budget', async () => {
    await expect(loadIsic2018({ imagesDir, splitsDir: writeSplits(), budget: 400 as 350 })).rejects.toThrow(/loadIsic2018: option 'budget' must be one of 350, 600, 800, 1200, 2000, got 400/);
  });

  it('exports the normalisation constants of the release', () => {
    expect(ISIC2018_NORMALIZATION.mean).toEqual([0.2143, 0.2146, 0.2150]);
    expect(ISIC2018_NORMALIZATION.std).toEqual([0.3269, 0.3270, 0.3273]);
  });
});

describe('TEAR split files shipped in examples/isic2018/splits', () => {
  const dir = 'examples/isic2018/splits';
  it('parse with the documented line counts, disjoint labeled/unlabeled pools of 9593 images, and class-balanced Val/Test', async () => {
    expect(existsSync(join(dir, 'LICENSE-TEAR-MIT'))).toBe(true);
    const expectedLabeled: Record<number, number> = { 350: 349, 600: 599, 800: 799, 1200: 1199, 2000: 2000 };
    for (const [budget, count] of Object.entries(expectedLabeled)) {
      const labeled = await readIsicSplitFile(join(dir, `Train${budget}.txt`));
      const unlabeled = deriveIsicUnlabeledSplit(await readIsicSplitFile(join(dir, 'Train_pool.txt')), labeled, Number(budget) as Isic2018Budget);
      expect(labeled.length).toBe(count);
      expect(labeled.length + unlabeled.length).toBe(9593);
      expect(new Set([...labeled, ...unlabeled].map((e) => e.id)).size).toBe(9593);
    }
    expect(existsSync(join(dir, 'Train_unl350.txt'))).toBe(false); // not shipped: derived from Train_pool.txt
    const counts = async (name: string) => {
      const out = new Array<number>(7).fill(0);
      for (const entry of await readIsicSplitFile(join(dir, name))) out[entry.label]++;
      return out;
    };
    // counted independently with awk over the files
    expect(await counts('Val.txt')).toEqual([9, 10, 10, 10, 10, 10, 10]);
    expect(await counts('Test.txt')).toEqual([49, 50, 50, 50, 50, 50, 50]);
    expect(await counts('Train350.txt')).toEqual([38, 234, 18, 12, 38, 4, 5]);
  });

  it('derives each Train_unl<N>.txt byte for byte: the SHA-256 of the rendered list equals the release file\'s', async () => {
    // sha256sum of the release's Train_unl<N>.txt, taken before they were dropped from the package
    const releaseSha256: Record<Isic2018Budget, string> = {
      350: 'e663629e55a0fa3ed4861d47585d88e1aa865033b1feb7347868a2b783ff266a',
      600: '6b2f01c9a7513042790dc0ac72f7623b79c0b82b4d0fbf11a297b5775a941501',
      800: 'e587ab9a2afd63ceec7b43d6301e0b5186e79d1f9c994c1fece4c115c4c99ead',
      1200: 'b430bdd047cce062da1064964b6e50da6cca82797f727a09c08bbac8680f4ea5',
      2000: 'd92bffcb8fc3231a2fce066c36ed99c8eaa2f2a695faf21f11a7b177e588fec8',
    };
    const pool = await readIsicSplitFile(join(dir, 'Train_pool.txt'));
    expect(pool.length).toBe(9595);
    for (const budget of ISIC2018_BUDGETS) {
      const labeled = await readIsicSplitFile(join(dir, `Train${budget}.txt`));
      const text = renderIsicSplitFile(deriveIsicUnlabeledSplit(pool, labeled, budget));
      expect(createHash('sha256').update(text).digest('hex'), `budget ${budget}`).toBe(releaseSha256[budget]);
    }
    // the check can fail: leaving out the exclusions changes the list
    const labeled = await readIsicSplitFile(join(dir, 'Train350.txt'));
    const ids = new Set(labeled.map((e) => e.id));
    const naive = renderIsicSplitFile(pool.filter((e) => !ids.has(e.id)));
    expect(createHash('sha256').update(naive).digest('hex')).not.toBe(releaseSha256[350]);
  });
});
