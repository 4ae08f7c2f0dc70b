import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic, type StaticServer } from '../../web/serve';

const root = mkdtempSync(join(tmpdir(), 'tear-web-serve-'));
let server: StaticServer;

/** A raw GET (no URL normalisation, so '..' reaches the server as typed). */
function get(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: Number(port), path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString('latin1'); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject).end();
  });
}

describe('web static server', () => {
  beforeAll(async () => {
    mkdirSync(join(root, 'site', 'wasm'), { recursive: true });
    writeFileSync(join(root, 'site', 'index.html'), '<p>hi</p>');
    writeFileSync(join(root, 'site', 'wasm', 'a.wasm'), Buffer.from([0, 97, 115, 109]));
    writeFileSync(join(root, 'site', 'd.csv.gz'), Buffer.from([0x1f, 0x8b, 8]));
    writeFileSync(join(root, 'secret.txt'), 'outside');
    server = await serveStatic(join(root, 'site'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 on a free port and serves index.html for /', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('<p>hi</p>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('sends the cross-origin isolation headers (wasm threads) and no caching', async () => {
    const r = await get('/wasm/a.wasm');
    expect(r.headers['content-type']).toBe('application/wasm');
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('serves .gz as bytes without Content-Encoding (the page gunzips it itself)', async () => {
    const r = await get('/d.csv.gz');
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body).toBe('\x1f\x8b\x08');
  });

  it('answers 404 for missing files, folders and paths outside the root', async () => {
    expect((await get('/missing.js')).status).toBe(404);
    expect((await get('/wasm')).status).toBe(404);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/wasm/..%2f..%2fsecret.txt']) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
      expect(r.body, p).not.toContain('outside');
    }
  });
});
