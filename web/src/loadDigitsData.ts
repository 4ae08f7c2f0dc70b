/**
 * The demo's data in the browser: fetches data/digits.csv.gz (served next to the worker), gunzips it
 * with the browser's DecompressionStream, parses it with tear-ssl's parser and cuts it exactly as
 * `tear-ssl demo` does (fixed 360-image test hold-out, then a class-balanced split seeded by `seed`).
 */
import { parseDigitsCsv } from '../../src/data/digitsCsv';
import { cutPool, holdOutDigitsTest } from '../../src/cli/cutData';
import type { PreparedData } from '../../src/cli/prepareData';
import type { TrainSettings } from '../../src/cli/trainOptions';

export async function loadDigitsData(url: string, settings: Pick<TrainSettings, 'test' | 'labels' | 'validation' | 'seed'>): Promise<PreparedData> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  const text = await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).text();
  const digits = parseDigitsCsv(text, url);
  const { poolIndices, test } = holdOutDigitsTest(digits, settings.test as number);
  const parts = cutPool(digits, poolIndices, { labels: settings.labels as number, validation: settings.validation, seed: settings.seed, dataset: 'digits' });
  const prepared = { ...parts, test, numClasses: digits.numClasses, classNames: digits.classNames, shape: digits.shape };
  const summary = `digits: ${parts.labeled.indices.length} labeled, ${parts.unlabeled.indices.length} unlabeled, ` +
    `${parts.validation.indices.length} validation, ${test.indices.length} test images of 8×8, 10 classes (class-balanced split, seed ${settings.seed})`;
  return { ...prepared, summary };
}
