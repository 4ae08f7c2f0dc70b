/**
 * The web page (web/) in real headless Chromium: builds it, serves it on 127.0.0.1, starts a short
 * run of the three methods, and checks what a user would see: the backend it chose, live curves, the
 * unlabeled grid, the demo's table and the confusion matrices, sane numbers (finite, above chance),
 * no console errors, tf.memory() flat across runs and after Stop, and (on wasm) the same test numbers
 * as `tear-ssl demo` in Node. Saves a screenshot and a JSON
 * summary under test-output/browser/. Run length: TEAR_WEB_STEPS (default 40, at least 30 steps per method).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemoCommand } from '../../src/cli/demoCommand';
import { memoryIo } from '../../src/cli/io';
import { buildWeb } from '../../web/build';
import { serveStatic, type StaticServer } from '../../web/serve';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const STEPS = Number(process.env.TEAR_WEB_STEPS ?? 40);
const EVAL_EVERY = 10;
const OUT = join('test-output', 'browser');
const METHODS = ['supervised', 'fixmatch', 'tear'];
const NUM_CLASSES = 10;
const TEST_IMAGES = 360;

interface PageState {
  state: string;
  backend?: string;
  numTensors?: number;
  runs: Array<{ stopped: boolean; seconds: number; numTensorsBefore: number; numTensorsAfter: number }>;
  methods: Record<string, {
    steps: number; lastLoss?: number; lastMaskRate?: number; evals: Array<[number, number]>; seconds?: number;
    test?: { student: Record<string, number>; ema: Record<string, number> };
  }>;
  errors: string[];
}

let server: StaticServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
/** The first run's state, compared with the CLI demo below. */
let firstRun: PageState | undefined;

const pageState = (): Promise<PageState> => page.evaluate('window.tearWeb') as Promise<PageState>;

async function waitForState(states: string[], timeout = 240_000): Promise<PageState> {
  await page.waitForFunction(`${JSON.stringify(states)}.includes(window.tearWeb.state)`, null, { timeout, polling: 250 });
  return pageState();
}

describe('web page in headless Chromium', () => {
  beforeAll(async () => {
    if (!(STEPS >= 30)) throw new Error(`TEAR_WEB_STEPS=${STEPS}: the accuracy check (above 20% test top-1) needs at least 30 steps per method`);
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run 'bash scripts/ensure-chromium.sh' (or set CHROMIUM_PATH)`);
    await mkdir(OUT, { recursive: true });
    server = await serveStatic(await buildWeb());
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    await page.goto(`${server.url}?steps=${STEPS}&evalEvery=${EVAL_EVERY}&gridEvery=5`);
    await waitForState(['idle'], 30_000);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('trains supervised, FixMatch and TEAR with live curves, then shows the table and confusion matrices', async () => {
    await page.click('#start');
    // Curves appear while training runs (the worker keeps the page live), not only at the end.
    await page.waitForFunction(
      "window.tearWeb.state === 'running' && Number(document.getElementById('chart-loss').dataset.points ?? 0) > 0",
      null, { timeout: 120_000, polling: 100 });
    const s = await waitForState(['done', 'error']);
    expect(s.errors).toEqual([]);
    expect(s.state).toBe('done');
    const backendText = (await page.textContent('#backend')) ?? '';
    expect(['webgpu', 'webgl', 'wasm']).toContain(s.backend);
    expect(backendText.startsWith(s.backend as string)).toBe(true);

    for (const m of METHODS) {
      const r = s.methods[m];
      expect(r, m).toBeDefined();
      expect(Number.isFinite(r.lastLoss), `${m} loss ${r.lastLoss}`).toBe(true);
      expect(r.evals.map(([step]) => step), m).toEqual(Array.from({ length: Math.floor(STEPS / EVAL_EVERY) }, (_, i) => (i + 1) * EVAL_EVERY));
      for (const [, acc] of r.evals) expect(Number.isFinite(acc) && acc >= 0 && acc <= 1, `${m} validation ${acc}`).toBe(true);
      const test = r.test as NonNullable<typeof r.test>;
      for (const model of ['student', 'ema'] as const) {
        for (const [k, v] of Object.entries(test[model])) expect(Number.isFinite(v), `${m} ${model} ${k} = ${v}`).toBe(true);
      }
      // Above chance (10 classes): 360 test images, chance 10%; after STEPS steps every method is far above.
      expect(test.ema.top1, `${m} EMA test top-1`).toBeGreaterThan(2 / NUM_CLASSES);
    }
    for (const m of ['fixmatch', 'tear']) {
      const rate = s.methods[m].lastMaskRate as number;
      expect(Number.isFinite(rate) && rate >= 0 && rate <= 1, `${m} mask rate ${rate}`).toBe(true);
    }

    // Curves: points were drawn on each chart (the mask chart has no supervised-only line).
    for (const id of ['chart-loss', 'chart-mask', 'chart-accuracy']) {
      expect(Number(await page.getAttribute(`#${id}`, 'data-points')), id).toBeGreaterThan(0);
    }
    // The demo's table: a header and one row per method, every percentage a number.
    const rows = await page.$$eval('table.results tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    expect(rows[0]).toEqual(['method', 'test top-1', 'balanced acc.', 'macro-F1', 'student top-1', 'train time']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['supervised only', 'FixMatch', 'TEAR (FixMatch + AdaPL + IPH)']);
    for (const r of rows.slice(1)) {
      for (const cell of r.slice(1, 5)) expect(cell, r[0]).toMatch(/^\d+\.\d%$/);
    }
    // The table's top-1 is the EMA test top-1 the worker reported.
    rows.slice(1).forEach((r, i) => expect(r[1]).toBe(`${(100 * (s.methods[METHODS[i]].test?.ema.top1 as number)).toFixed(1)}%`));
    // One confusion matrix per method, each over the 360 test images.
    const matrices = await page.$$eval('figure.confusion', (figs) => figs.map((f) => ({
      method: f.getAttribute('data-method'),
      total: [...f.querySelectorAll('td')].reduce((a, td) => a + Number(td.textContent || 0), 0),
      size: f.querySelectorAll('tr').length - 1,
    })));
    expect(matrices).toEqual(METHODS.map((method) => ({ method, total: TEST_IMAGES, size: NUM_CLASSES })));
    // The grid: 24 unlabeled images with pseudo labels, AdaPL weights and the mask's verdict (TEAR, last).
    const cells = await page.$$eval('#grid .cell', (els) => els.map((e) => ({ kept: e.getAttribute('data-kept'), caption: e.querySelector('.caption')?.textContent ?? '' })));
    expect(cells).toHaveLength(24);
    for (const c of cells) {
      expect(['kept', 'masked']).toContain(c.kept);
      expect(c.caption).toMatch(/^ŷ \d \(\d\.\d\d\)\nw \d\.\d\d · (kept|masked)$/);
    }

    // On wasm, tear-ssl's SIMD kernels run in the browser too (Chromium has WebAssembly SIMD).
    if (s.backend === 'wasm') expect(backendText, backendText).toMatch(/tear-ssl training kernels with its SIMD kernels/);
    firstRun = s;
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0].numTensorsAfter, 'tensors left after run 1').toBe(s.runs[0].numTensorsBefore);
    await page.screenshot({ path: join(OUT, 'page.png'), fullPage: true });
    await writeFile(join(OUT, 'result.json'), `${JSON.stringify({ steps: STEPS, backend: s.backend, reason: backendText, state: s }, null, 2)}\n`);
    console.log(`web page: backend ${backendText}; ${STEPS} steps × 3 methods in ${s.runs[0].seconds.toFixed(1)} s`);
    expect(consoleErrors, consoleErrors.join("\n")).toEqual([]);
  });

  it('a second run leaves tf.memory() where the first did, and Stop frees a run cut short', async () => {
    const before = await pageState();
    await page.click('#start');
    const second = await waitForState(['done', 'error']);
    expect(second.state).toBe('done');
    expect(second.runs).toHaveLength(2);
    expect(second.runs[1].numTensorsAfter).toBe(before.runs[0].numTensorsAfter);
    expect(second.runs[1].numTensorsBefore).toBe(before.runs[0].numTensorsBefore);

    await page.click('#start');
    // Stop in the middle of the second method (FixMatch), when its tensors are live.
    await page.waitForFunction("(window.tearWeb.methods.fixmatch?.lastLoss ?? undefined) !== undefined && window.tearWeb.numTensors > 0",
      null, { timeout: 120_000, polling: 50 });
    await page.click('#start');
    const stopped = await waitForState(['stopped', 'done', 'error']);
    expect(stopped.state).toBe('stopped');
    expect(stopped.runs).toHaveLength(3);
    expect(stopped.runs[2].stopped).toBe(true);
    expect(stopped.runs[2].numTensorsAfter, 'tensors left after Stop').toBe(before.runs[0].numTensorsAfter);
    expect(await page.$$('table.results tr')).toHaveLength(0);
    expect(consoleErrors, consoleErrors.join("\n")).toEqual([]);
  });

  it('on wasm, the page measures the same test numbers as `tear-ssl demo` in Node for the same steps', async (ctx) => {
    const page1 = firstRun as PageState;
    expect(page1).toBeDefined();
    if (page1.backend !== 'wasm') {
      console.log(`web page trained on ${page1.backend}, not wasm: the comparison with the Node demo (wasm) is skipped`);
      ctx.skip();
    }
    const rows = await runDemoCommand({ quick: false, backend: 'wasm', seed: 0, steps: STEPS }, memoryIo());
    expect(rows.map((r) => r.method)).toEqual(METHODS);
    for (const { method, outcome } of rows) {
      const web = page1.methods[method].test as NonNullable<PageState['methods'][string]['test']>;
      for (const model of ['student', 'ema'] as const) {
        expect(web[model].top1, `${method} ${model} top-1`).toBe(outcome.test[model].top1);
        for (const k of ['balancedAccuracy', 'macroF1', 'macroAuc'] as const) {
          expect(web[model][k], `${method} ${model} ${k}`).toBeCloseTo(outcome.test[model][k], 6);
        }
      }
    }
  });
});
