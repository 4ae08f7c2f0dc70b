/** `npm run web`: builds the page and serves it on http://127.0.0.1:$PORT/ (default 8080) until Ctrl-C. */
import { buildWeb } from './build';
import { serveStatic } from './serve';

const port = Number(process.env.PORT ?? 8080);
const dir = await buildWeb();
const server = await serveStatic(dir, port);
console.log(`tear-ssl web page: ${server.url}  (query options: ?steps=400&evalEvery=25&seed=0&backend=auto|webgpu|webgl|wasm; Ctrl-C stops)`);
