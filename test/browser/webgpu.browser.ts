/**
 * tfjs's WebGPU backend without a GPU: Debian's Chromium exposes WebGPU on SwiftShader (a CPU
 * implementation of Vulkan that ships with it) in headless mode. This test bundles the backend checks
 * (test/backendChecks/: the exported math against the cpu backend within a float32 tolerance, every
 * augmentation op, two real training steps of every registered method at small size), serves them on
 * 127.0.0.1 (WebGPU needs a secure context) and runs them in Chromium with
 * `--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader`, on top of playwright-core's headless
 * defaults (--headless, --no-sandbox, --disable-background-networking, …).
 *
 * Every check must pass, except those that need a synchronous read of a GPU tensor: on SwiftShader
 * tfjs-backend-webgpu's readSync returns zeros and loses the device, so tear-ssl refuses that read with a
 * clear error (src/util/syncRead.ts). Those refusals are listed below and must happen exactly so: a
 * check that starts or stops being refused fails the test. Writes test-output/browser/webgpu-checks.json
 * (the adapter, every check with its largest error, the wall time), the record docs/backends.md quotes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodNames } from '../../src/training/algorithms/registry';
import { SYNC_READ_REFUSAL, SYNC_READ_REFUSALS } from '../backendChecks/refusals';
import { buildWeb } from '../../web/build';
import { buildCheckPage } from '../backendChecks/build';
import type { CheckReport, CheckResult } from '../backendChecks/checks';
import { serveStatic, type StaticServer } from '../../web/serve';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = join('test-output', 'browser');
const WEBGPU_SWIFTSHADER_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

/** On SwiftShader the reason is the silent zero and the lost device (src/util/syncRead.ts). */
const REFUSAL = new RegExp(`${SYNC_READ_REFUSAL.source}the webgpu backend's synchronous read returns zeros and loses the device on the SwiftShader adapter`);
const EXPECTED_REFUSALS = SYNC_READ_REFUSALS;

interface PageChecks {
  state: 'running' | 'done' | 'error';
  adapter?: { vendor: string; architecture: string; description: string; software: boolean; summary: string } | null;
  results: CheckResult[];
  report?: CheckReport;
  error?: string;
}

let server: StaticServer;
let browser: Browser;
let checks: PageChecks;
let wallSeconds: number;
const pageErrors: string[] = [];

describe('the WebGPU backend on SwiftShader in headless Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run 'bash scripts/ensure-chromium.sh' (or set CHROMIUM_PATH)`);
    await mkdir(OUT, { recursive: true });
    const started = Date.now();
    server = await serveStatic(await buildCheckPage());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGPU_SWIFTSHADER_FLAGS });
    const page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('favicon') && !/status of 404/.test(m.text())) pageErrors.push(m.text()); });
    await page.goto(server.url);
    await page.waitForFunction("window.backendChecks !== undefined && window.backendChecks.state !== 'running'", null, { timeout: 280_000, polling: 500 });
    checks = await page.evaluate('window.backendChecks') as PageChecks;
    wallSeconds = (Date.now() - started) / 1000;
    const version = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
    await writeFile(join(OUT, 'webgpu-checks.json'), `${JSON.stringify({
      date: new Date().toISOString(), chromium: version, flags: WEBGPU_SWIFTSHADER_FLAGS, wallSeconds, adapter: checks.adapter,
      expectedRefusals: EXPECTED_REFUSALS, report: checks.report, error: checks.error,
    }, null, 2)}\n`);
    const failed = checks.results.filter((r) => !r.ok).length;
    console.log(`webgpu (${checks.adapter?.summary ?? 'no adapter'}): ${checks.results.length} checks, ${failed} refused or failed, ${wallSeconds.toFixed(1)} s wall (build, Chromium start and both backends)`);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('finds a software (SwiftShader) adapter and finishes without a page error', () => {
    expect(checks.error).toBeUndefined();
    expect(checks.state).toBe('done');
    expect(checks.adapter?.architecture).toBe('swiftshader');
    expect(checks.adapter?.software).toBe(true);
    expect(checks.report?.backend).toBe('webgpu');
    expect(pageErrors).toEqual([]);
  });

  it('every exported function and augmentation op matches the cpu backend within the float32 tolerance', () => {
    const results = checks.results.filter((r) => r.kind === 'value' || r.kind === 'augmentation');
    expect(results.length).toBeGreaterThan(40);
    const wrong = results.filter((r) => !r.ok && !EXPECTED_REFUSALS.includes(r.name)).map((r) => `${r.name}: ${r.message}`);
    expect(wrong).toEqual([]);
  });

  it('two training steps of every registered method match the cpu backend (IPH methods: refused, see below)', () => {
    const names = checks.results.filter((r) => r.kind === 'training').map((r) => r.name);
    expect(names).toEqual([...methodNames().map((m) => `two steps of ${m}`), 'two steps of tear with the medical preset']);
    const wrong = checks.results.filter((r) => r.kind === 'training' && !r.ok && !EXPECTED_REFUSALS.includes(r.name)).map((r) => `${r.name}: ${r.message}`);
    expect(wrong).toEqual([]);
  });

  it('what needs a synchronous GPU read is refused with a clear error, never a silent zero, and exactly that', () => {
    const refused = checks.results.filter((r) => !r.ok && REFUSAL.test(r.message ?? '')).map((r) => r.name);
    expect(refused.sort()).toEqual([...EXPECTED_REFUSALS].sort());
  });

  it('the web page says the WebGPU adapter is a software one: auto skips it for wasm, backend=webgpu names it', async () => {
    const web = await serveStatic(await buildWeb());
    try {
      for (const [query, backend, says] of [
        ['backend=auto', 'wasm', /the WebGPU adapter is a software one \(google swiftshader, software adapter \(CPU\)\), slower than wasm/],
        ['backend=webgpu', 'webgpu', /^webgpu \(google swiftshader, software adapter \(CPU\)\): requested$/],
      ] as const) {
        const page = await browser.newPage();
        try {
          await page.goto(`${web.url}?${query}&methods=supervised&steps=2&evalEvery=2&gridEvery=2`);
          await page.waitForFunction("window.tearWeb?.state === 'idle'", null, { timeout: 30_000 });
          await page.click('#start');
          await page.waitForFunction("['done', 'error', 'stopped'].includes(window.tearWeb.state)", null, { timeout: 240_000, polling: 250 });
          const state = await page.evaluate('window.tearWeb') as { state: string; backend?: string; errors: string[] };
          expect(state.errors, query).toEqual([]);
          expect(state.state, query).toBe('done');
          expect(state.backend, query).toBe(backend);
          expect((await page.textContent('#backend')) ?? '', query).toMatch(says);
        } finally {
          await page.close();
        }
      }
    } finally {
      await web.close();
    }
  }, 300_000);

  it('tf.memory().numTensors does not grow over all checks', () => {
    const memory = checks.results.find((r) => r.kind === 'memory');
    expect(memory?.ok, memory?.message).toBe(true);
  });
});
