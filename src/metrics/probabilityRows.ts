import { check } from '../util/checks';

/** Class scores for N samples: a flat row-major array of length N·C (e.g. `Float32Array` from `dataSync()`) or N rows of C. */
export type ProbabilityRows = ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/** Reads `probs` as a flat row-major Float64Array of N·C values, checking its size. */
export function flattenProbabilities(probs: ProbabilityRows, numSamples: number, numClasses: number, fn: string): Float64Array {
  check(probs != null && typeof probs.length === 'number', fn, () => `argument 'probs' must be an N·C array or N rows of C`);
  const out = new Float64Array(numSamples * numClasses);
  const first = probs.length > 0 ? probs[0] : undefined;
  if (first !== undefined && typeof first === 'object') {
    const rows = probs as ArrayLike<ArrayLike<number>>;
    check(rows.length === numSamples, fn, () => `argument 'probs' has ${rows.length} rows, expected ${numSamples} (one per label)`);
    for (let i = 0; i < numSamples; i++) {
      const row = rows[i];
      check(row != null && row.length === numClasses, fn, () => `argument 'probs' row ${i} has length ${row?.length}, expected ${numClasses}`);
      for (let k = 0; k < numClasses; k++) out[i * numClasses + k] = row[k];
    }
  } else {
    const flat = probs as ArrayLike<number>;
    check(flat.length === numSamples * numClasses, fn,
      () => `argument 'probs' has length ${flat.length}, expected N·C = ${numSamples}·${numClasses} = ${numSamples * numClasses}`);
    for (let i = 0; i < flat.length; i++) out[i] = flat[i];
  }
  for (let i = 0; i < out.length; i++) {
    check(!Number.isNaN(out[i]), fn, () => `argument 'probs' holds NaN at sample ${Math.floor(i / numClasses)}, class ${i % numClasses}`);
  }
  return out;
}

/** Index of the largest score in each row (the first one on ties). */
export function argmaxRows(flat: ArrayLike<number>, numSamples: number, numClasses: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < numSamples; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (flat[i * numClasses + k] > flat[i * numClasses + best]) best = k;
    out.push(best);
  }
  return out;
}
