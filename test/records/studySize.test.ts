import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repo, trackedFiles } from './trackedFiles';

/**
 * Studies commit small text records (run.json, result.json, metrics.jsonl, report.md, SVG curves,
 * configs), never models or checkpoints: those stay on the machine that trained them (.gitignore).
 * Every byte committed under studies/ stays in the history for every clone, so the budget is checked.
 * 48 MiB (raised from 32 on 2026-12-07, when the third study landed): the Fashion-MNIST study (45 runs,
 * ≈ 12 MB), the ISIC-shaped one (78 runs, ≈ 23 MB with its per-class pseudo-label counts) and the HEAD
 * re-run of a slice (6 runs, ≈ 2 MB); text that gzip packs to about a sixth (≈ 6 MB for all of studies/).
 * A fourth study needs a decision again (e.g. fewer step lines in metrics.jsonl).
 */
export const STUDIES_BUDGET_BYTES = 48 * 2 ** 20;
/** No single record file may be larger than this (the largest, a 1,400-step metrics.jsonl, is ≈ 225 kB). */
export const STUDY_FILE_BUDGET_BYTES = 512 * 2 ** 10;
/** Artifacts, not records: exported models, weights, checkpoints. */
export const ARTIFACT = /(^|\/)(model|checkpoints)\/|\.(bin|ckpt|ckpt\.tmp|h5|onnx|pt|pth|safetensors)$/;

/** The problems of a set of tracked study files with their sizes: artifacts, files over the per-file budget, and the total. */
export function studySizeProblems(files: ReadonlyArray<{ file: string; bytes: number }>, budget = STUDIES_BUDGET_BYTES, fileBudget = STUDY_FILE_BUDGET_BYTES): string[] {
  const problems: string[] = [];
  for (const { file } of files) if (ARTIFACT.test(file)) problems.push(`${file}: a model or checkpoint is committed; studies keep records only (git rm --cached it; .gitignore lists these)`);
  for (const { file, bytes } of files) if (bytes > fileBudget) problems.push(`${file}: ${bytes} bytes, over the ${fileBudget}-byte budget of one study file`);
  const total = files.reduce((a, f) => a + f.bytes, 0);
  if (total > budget) {
    const largest = [...files].sort((a, b) => b.bytes - a.bytes).slice(0, 5).map((f) => `${f.file} (${f.bytes})`).join(', ');
    problems.push(`studies/ holds ${total} bytes in ${files.length} tracked files, over its budget of ${budget}; largest: ${largest}`);
  }
  return problems;
}

describe('size of studies/', () => {
  const tracked = trackedFiles(['studies']);

  it.skipIf(tracked === undefined)('committed study files are records within the size budget, no models or checkpoints', () => {
    const files = (tracked as string[]).filter((f) => existsSync(join(repo, f))).map((file) => ({ file, bytes: statSync(join(repo, file)).size }));
    expect(files.length).toBeGreaterThan(0);
    expect(studySizeProblems(files)).toEqual([]);
  });

  it('the check can fail, naming the file at fault', () => {
    expect(studySizeProblems([{ file: 'studies/x/cells/a/model/weights.bin', bytes: 10 }])).toEqual([
      'studies/x/cells/a/model/weights.bin: a model or checkpoint is committed; studies keep records only (git rm --cached it; .gitignore lists these)',
    ]);
    expect(studySizeProblems([{ file: 'studies/x/cells/a/checkpoints/step-00000050.ckpt', bytes: 1 }])[0]).toMatch(/^studies\/x\/cells\/a\/checkpoints\/step-00000050\.ckpt: /);
    expect(studySizeProblems([{ file: 'studies/x/big.jsonl', bytes: STUDY_FILE_BUDGET_BYTES + 1 }])[0]).toMatch(/^studies\/x\/big\.jsonl: \d+ bytes, over/);
    const many = Array.from({ length: 130 }, (_, i) => ({ file: `studies/x/f${i}.jsonl`, bytes: 400 * 2 ** 10 }));
    expect(studySizeProblems(many).pop()).toMatch(/^studies\/ holds 53248000 bytes in 130 tracked files, over its budget/);
  });
});
