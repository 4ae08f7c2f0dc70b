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
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  // The whole body first, then gunzip: piping the network stream straight into DecompressionStream made
  // headless Chromium report the request as net::ERR_ABORTED now and then (the data was complete).
  const gzipped = await response.blob();
  const text = await new Response(gzipped.stream().pipeThrough(new DecompressionStream('gzip'))).text();
  const digits = parseDigitsCsv(text, url);
  const { poolIndices, test } = holdOutDigitsTest(digits, settings.test as number);
  const parts = cutPool(digits, poolIndices, { labels: settings.labels as number, validation: settings.validation, seed: settings.seed, dataset: 'digits' });
  const prepared = { ...parts, test, numClasses: digits.numClasses, classNames: digits.classNames, shape: digits.shape };
  const summary = `digits: ${parts.labeled.indices.length} labeled, ${parts.unlabeled.indices.length} unlabeled, ` +
    `${parts.validation.indices.length} validation, ${test.indices.length} test images of 8×8, 10 classes (class-balanced split, seed ${settings.seed})`;
  return { ...prepared, summary };
}
