import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadIsic2018 } from '../../../src/data/isic2018';
import { readSplit } from '../../../src/data/splits';
import { judgeApiError, judgeApiOk, type Case } from './judge';

const IDS = Array.from({ length: 8 }, (_, i) => `ISIC_00100${10 + i}`);
const line = (i: number, label = i % 7) => `${IDS[i]}.jpg  ${Array.from({ length: 7 }, (_, c) => (c === label ? 1 : 0)).join(' ')} `;
const GOOD: Record<string, string> = {
  'Train350.txt': [0, 1, 2].map((i) => line(i)).join('\n'),
  'Train_unl350.txt': [3, 4, 5].map((i) => line(i)).join('\n'),
  'Val.txt': line(6),
  'Test.txt': line(7),
};

/** Split files: TEAR's ISIC 2018 split files through loadIsic2018, tear-ssl split JSON through readSplit. */
export function splitCases(root: string): Case[] {
  const cases: Case[] = [];
  const imagesDir = join(root, 'isic-images');
  let ready: Promise<void> | undefined;
  const images = () => (ready ??= (async () => {
    mkdirSync(imagesDir, { recursive: true });
    for (const [i, id] of IDS.entries()) {
      await sharp({ create: { width: 6, height: 5, channels: 3, background: { r: 30 * i, g: 100, b: 200 - 20 * i } } }).jpeg().toFile(join(imagesDir, `${id}.jpg`));
    }
  })());
  let n = 0;
  const splitsWith = (file: string, text: string): string => {
    const dir = join(root, `isic-splits-${n++}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, body] of Object.entries({ ...GOOD, [file]: text })) writeFileSync(join(dir, name), body);
    return dir;
  };
  const load = (splitsDir: string) => loadIsic2018({ imagesDir, splitsDir, budget: 350, size: 4 });

  for (const file of Object.keys(GOOD)) {
    const first = GOOD[file].split('\n')[0];
    const bad: Array<[string, string, string[]]> = [
      ['empty', '', ['lists no images']],
      ['blank-lines-only', '\n\n  \n', ['lists no images']],
      ['six-values', first.replace(/ 0 $/, ' ').replace(/ 1 $/, ' '), [':1:', 'one-hot values']],
      ['value-2', first.replace(/ [01] /, ' 2 '), [':1:', "('2') must be 0 or 1"]],
      ['two-ones', first.replace(/ 0 /, ' 1 '), [':1:', 'exactly one 1']],
      ['no-one', first.replace(/ 1 /, ' 0 ').replace(/ 1 $/, ' 0 '), [':1:', 'got 0 ones']],
      ['not-jpg', first.replace('.jpg', '.png'), [':1:', 'does not end in .jpg']],
      ['duplicate-line', `${first}\n${first}`, [':2:', 'listed twice']],
      ['leaves-folder', first.replace(IDS[0], '../x').replace(/ISIC_\d+/, '../x'), [':1:', 'leaves the images folder']],
      ['absolute-path', first.replace(/ISIC_\d+/, '/etc/x'), [':1:', 'leaves the images folder']],
      ['missing-image', first.replace(/ISIC_\d+/, 'ISIC_9999999'), [':1:', 'ISIC_9999999.jpg not found']],
      ['binary-garbage', '\u0000\u0001\u00ff\u0010garbage', [':1:']],
    ];
    for (const [id, text, names] of bad) {
      cases.push({
        id: `isic-split/${file}/${id}`, group: 'split', via: 'api',
        run: async () => {
          await images();
          const dir = splitsWith(file, text);
          return judgeApiError(() => load(dir), 'DataFormatError', [join(dir, file), ...names]);
        },
      });
    }
  }
  cases.push({
    id: 'isic-split/listed-in-two-files', group: 'split', via: 'api',
    run: async () => {
      await images();
      const dir = splitsWith('Test.txt', line(0));
      return judgeApiError(() => load(dir), 'DataFormatError', ['Test.txt:1', 'also listed in', 'Train350.txt:1']);
    },
  });
  for (const [id, transform] of [['crlf', (t: string) => t.replace(/\n/g, '\r\n')], ['trailing-blank-lines', (t: string) => `${t}\n\n\n`], ['runs-of-spaces', (t: string) => t.replace(/ /g, '   ')]] as const) {
    cases.push({
      id: `isic-split/valid-${id}`, group: 'split', via: 'api',
      run: async () => {
        await images();
        const dir = join(root, `isic-splits-${n++}`);
        mkdirSync(dir, { recursive: true });
        for (const [name, body] of Object.entries(GOOD)) writeFileSync(join(dir, name), transform(body));
        return judgeApiOk(() => load(dir), (d) => {
          const got = [d.labeled, d.unlabeled, d.validation, d.test].map((p) => `${(p.ids ?? []).join(',')}:${Array.from(p.labels).join(',')}`).join(' | ');
          const want = [[0, 1, 2], [3, 4, 5], [6], [7]].map((xs) => `${xs.map((i) => IDS[i]).join(',')}:${xs.map((i) => i % 7).join(',')}`).join(' | ');
          return got === want ? undefined : `parts ${got}`;
        });
      },
    });
  }

  // tear-ssl split JSON (writeSplit / readSplit)
  const good = { format: 'tear-ssl-split', formatVersion: 1, dataset: 'digits', seed: 3, numClasses: 2, labeled: [0, 3], validation: [1], unlabeled: [2, 4, 5] };
  const json: Array<[string, string, string[]]> = [
    ['empty', '', ['not valid JSON']],
    ['truncated', JSON.stringify(good).slice(0, 40), ['not valid JSON']],
    ['array-root', '[]', ["field '(root)'"]],
    ['null-root', 'null', ["field '(root)'"]],
    ['wrong-format', JSON.stringify({ ...good, format: 'other' }), ["field 'format'"]],
    ['version-2', JSON.stringify({ ...good, formatVersion: 2 }), ["field 'formatVersion'"]],
    ['dataset-number', JSON.stringify({ ...good, dataset: 7 }), ["field 'dataset'"]],
    ['seed-float', JSON.stringify({ ...good, seed: 1.5 }), ["field 'seed'"]],
    ['classes-0', JSON.stringify({ ...good, numClasses: 0 }), ["field 'numClasses'"]],
    ['labeled-missing', JSON.stringify({ ...good, labeled: undefined }), ["field 'labeled'"]],
    ['labeled-string', JSON.stringify({ ...good, labeled: '0,3' }), ["field 'labeled'"]],
    ['index-negative', JSON.stringify({ ...good, unlabeled: [2, -4, 5] }), ["field 'unlabeled[1]'"]],
    ['index-float', JSON.stringify({ ...good, unlabeled: [2, 4.5, 5] }), ["field 'unlabeled[1]'"]],
    ['index-string', JSON.stringify({ ...good, validation: ['1'] }), ["field 'validation[0]'"]],
    ['index-past-end', JSON.stringify({ ...good, unlabeled: [2, 4, 6] }), ["field 'unlabeled[2]'", '[0, 6)']],
    ['duplicate-across', JSON.stringify({ ...good, validation: [3] }), ["field 'validation[0]'", 'also appears at labeled[1]']],
    ['duplicate-within', JSON.stringify({ ...good, unlabeled: [2, 2, 5] }), ["field 'unlabeled[1]'"]],
  ];
  for (const [id, text, names] of json) {
    cases.push({
      id: `split-json/${id}`, group: 'split', via: 'api',
      run: async () => {
        const file = join(root, `split-${n++}.json`);
        writeFileSync(file, text);
        return judgeApiError(() => readSplit(file, { numSamples: 6 }), 'DataFormatError', [file, ...names]);
      },
    });
  }
  cases.push({
    id: 'split-json/valid', group: 'split', via: 'api',
    run: async () => {
      const file = join(root, `split-${n++}.json`);
      writeFileSync(file, JSON.stringify(good));
      return judgeApiOk(() => readSplit(file, { numSamples: 6 }), (s) =>
        [s.labeled, s.validation, s.unlabeled].map((x) => Array.from(x).join(',')).join('|') === '0,3|1|2,4,5' && s.seed === 3 ? undefined : 'wrong split');
    },
  });
  return cases;
}
