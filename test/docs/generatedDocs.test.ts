import { describe, expect, it } from 'vitest';
import { generatedMarkers, renderAll, replaceBlock, staleFiles } from '../../scripts/renderDocs';

describe('generated blocks in README.md and docs/ (npm run docs:render)', () => {
  it('every generated table, figure and results file equals a fresh rendering from the committed records', async () => {
    const rendered = await renderAll(undefined, { svg: true });
    expect(rendered.map((r) => r.file)).toEqual(expect.arrayContaining(['README.md', 'docs/results.md', 'docs/benchmarks.md', 'docs/reliability.md', 'studies/fashion-mnist/results.md']));
    expect(staleFiles(rendered)).toEqual([]);
  }, 120_000);

  it('the check can fail, naming the file, the block and the line', () => {
    const stale = staleFiles([{ file: 'README.md', what: 'generated blocks', expected: 'something else\n' }]);
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatch(/^README\.md \(generated blocks\): differs from its records at line 1: has "# tear-ssl", expected "something else"$/);
    expect(staleFiles([{ file: 'studies/none/results.md', what: 'x', expected: '' }])).toEqual(['studies/none/results.md (x): missing']);
  });

  it('a block is replaced between its markers only, and a file without them is an error naming it', () => {
    const m = generatedMarkers('t');
    expect(replaceBlock(`a\n${m.begin}\nold\n${m.end}\nb\n`, m, 'new', 'f.md')).toBe(`a\n${m.begin}\nnew\n${m.end}\nb\n`);
    expect(() => replaceBlock('no markers', m, 'x', 'docs/f.md')).toThrow(/^docs\/f\.md: lacks the generated block's markers/);
  });
});
