/**
 * Measures the page's training speed in headless Chromium: `npx tsx web/measure.ts [query …]`,
 * e.g. `steps=400` or `steps=40&backend=webgl`. Prints, per query, the backend and each method's
 * seconds, steps/s and images/s (the numbers in docs/web.md). Needs /usr/bin/chromium (or CHROMIUM_PATH).
 */
import { chromium } from 'playwright-core';
import { buildWeb } from './build';
import { serveStatic } from './serve';

const queries = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['steps=400'];
const server = await serveStatic(await buildWeb());
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
try {
  for (const query of queries) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
    await page.goto(`${server.url}?${query}`);
    await page.waitForFunction("window.tearWeb.state === 'idle'");
    await page.click('#start');
    await page.waitForFunction("window.tearWeb.backend !== undefined", null, { timeout: 600_000 });
    console.log(`\n?${query}: ${await page.textContent('#backend')}`);
    const printed = new Set<string>();
    for (;;) {
      const s = await page.evaluate('window.tearWeb') as {
        state: string; errors: string[]; methods: Record<string, { steps: number; seconds?: number; test?: { ema: { top1: number } } }>;
      };
      for (const [method, r] of Object.entries(s.methods)) {
        if (r.seconds === undefined || printed.has(method)) continue;
        printed.add(method);
        const imagesPerStep = method === 'supervised' ? 16 : 16 * 5;
        console.log(`  ${method}: ${r.steps} steps in ${r.seconds.toFixed(1)} s = ${(r.steps / r.seconds).toFixed(2)} steps/s, ` +
          `${((r.steps * imagesPerStep) / r.seconds).toFixed(0)} images/s; EMA test top-1 ${(100 * (r.test?.ema.top1 ?? NaN)).toFixed(1)}%`);
      }
      if (s.state !== 'running') {
        if (s.state !== 'done') console.log(`  ${s.state}: ${s.errors.join('; ')}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
