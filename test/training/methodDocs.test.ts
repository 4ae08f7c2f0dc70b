import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { methodsMarkdown, METHODS_BEGIN, METHODS_END } from '../../src/training/algorithms/methodDocs';
import { ALGORITHMS, methodNames } from '../../src/training/algorithms/registry';

describe('docs read the registry', () => {
  for (const file of ['docs/trainer.md', 'docs/cli.md']) {
    it(`${file} holds the method block rendered from the registry`, () => {
      const text = readFileSync(file, 'utf8');
      const start = text.indexOf(METHODS_BEGIN);
      const end = text.indexOf(METHODS_END);
      expect(start, `${file} has no ${METHODS_BEGIN}`).toBeGreaterThanOrEqual(0);
      expect(text.slice(start + METHODS_BEGIN.length, end).trim(), `${file}: re-render with methodsMarkdown()`).toBe(methodsMarkdown().trim());
    });
  }

  it('the rendered block names every algorithm, every method name and every option flag', () => {
    const md = methodsMarkdown();
    for (const name of methodNames()) expect(md).toContain(`\`${name}\``);
    for (const a of Object.values(ALGORITHMS)) for (const o of a.config?.options ?? []) expect(md).toContain(`--${o.cli?.flag}`);
  });
});
