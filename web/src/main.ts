/**
 * The page: reads run options from the URL query, starts the training worker, and draws what it
 * reports (backend, curves, the unlabeled grid, the demo's table and confusion matrices). It also
 * keeps `window.tearWeb` (state, backend, tensor counts, per-run numbers) for the browser test.
 */
import { DEMO_METHODS } from '../../src/cli/demoRecipe';
import { METHOD_NAMES, type MethodName } from '../../src/cli/trainOptions';
import { LineChart } from './lineChart';
import type { BackendRequest, FromWorker, GridItem, RunOptions, TestNumbers } from './protocol';

const COLORS: Record<string, string> = { supervised: '#7f7f7f', fixmatch: '#1f77b4', tear: '#d62728', adapl: '#ff7f0e', iph: '#2ca02c' };
const NAMES: Record<string, string> = { supervised: 'supervised only', fixmatch: 'FixMatch', tear: 'TEAR', adapl: 'AdaPL', iph: 'IPH' };
/** Smoothing of the per-step loss curve (exponential, as TensorBoard's slider). */
const LOSS_SMOOTHING = 0.8;

interface PageState {
  state: 'idle' | 'running' | 'stopping' | 'done' | 'stopped' | 'error';
  backend?: string;
  numTensors?: number;
  runs: Array<{ stopped: boolean; seconds: number; numTensorsBefore: number; numTensorsAfter: number }>;
  methods: Record<string, { steps: number; lastLoss?: number; lastMaskRate?: number; evals: Array<[number, number]>; test?: { student: TestNumbers; ema: TestNumbers }; seconds?: number }>;
  errors: string[];
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function readOptions(): RunOptions {
  const q = new URLSearchParams(location.search);
  const int = (name: string, fallback: number, min: number): number => {
    const v = q.get(name);
    if (v === null) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`URL option ${name}=${v} must be an integer ≥ ${min}`);
    return n;
  };
  const backend = (q.get('backend') ?? 'auto') as BackendRequest;
  if (!['auto', 'webgpu', 'webgl', 'wasm'].includes(backend)) throw new Error(`URL option backend=${backend} must be auto, webgpu, webgl or wasm`);
  const methods = (q.get('methods')?.split(',') ?? [...DEMO_METHODS]) as MethodName[];
  for (const m of methods) if (!(METHOD_NAMES as readonly string[]).includes(m)) throw new Error(`URL option methods: '${m}' is not one of ${METHOD_NAMES.join(', ')}`);
  const steps = int('steps', 400, 1);
  return { steps, evalEvery: int('evalEvery', Math.max(1, Math.round(steps / 16)), 1), gridEvery: int('gridEvery', Math.max(1, Math.round(steps / 40)), 1), seed: int('seed', 0, 0), backend, methods };
}

const page: PageState = { state: 'idle', runs: [], methods: {}, errors: [] };
(window as unknown as { tearWeb: PageState }).tearWeb = page;

function setState(state: PageState['state'], text?: string): void {
  page.state = state;
  document.body.dataset.state = state;
  const button = $<HTMLButtonElement>('start');
  button.textContent = state === 'running' ? 'Stop' : state === 'stopping' ? 'Stopping…' : 'Start';
  button.disabled = state === 'stopping';
  $('status').textContent = text ?? state;
}

const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');

function renderTable(lines: string[]): void {
  const box = $('table');
  box.replaceChildren();
  let table: HTMLTableElement | undefined;
  for (const line of lines) {
    if (line.startsWith('|')) {
      const cells = line.slice(1, -1).split('|').map((c) => c.trim());
      if (cells.every((c) => /^-+:?$/.test(c))) continue;
      if (table === undefined) {
        table = document.createElement('table');
        table.className = 'results';
        box.append(table);
        const row = table.insertRow();
        for (const c of cells) row.append(Object.assign(document.createElement('th'), { textContent: c }));
        continue;
      }
      const row = table.insertRow();
      for (const c of cells) row.insertCell().textContent = c;
    } else if (line.trim() !== '') {
      box.append(Object.assign(document.createElement('p'), { textContent: line }));
    }
  }
}

function renderConfusion(method: MethodName, matrix: number[][]): void {
  const figure = document.createElement('figure');
  figure.className = 'confusion';
  figure.dataset.method = method;
  const table = document.createElement('table');
  const head = table.insertRow();
  head.append(Object.assign(document.createElement('th'), { textContent: 'y \\ ŷ' }));
  matrix.forEach((_, c) => head.append(Object.assign(document.createElement('th'), { textContent: String(c) })));
  matrix.forEach((row, r) => {
    const tr = table.insertRow();
    tr.append(Object.assign(document.createElement('th'), { textContent: String(r) }));
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((n, c) => {
      const cell = tr.insertCell();
      cell.textContent = n === 0 ? '' : String(n);
      const share = n / total;
      cell.style.background = r === c ? `rgba(31, 119, 180, ${share})` : `rgba(214, 39, 40, ${Math.min(1, 2 * share)})`;
      if (share > 0.6) cell.style.color = '#fff';
    });
  });
  figure.append(table, Object.assign(document.createElement('figcaption'), { textContent: `${NAMES[method] ?? method}: EMA model on the test set (rows: true digit)` }));
  $('confusion').append(figure);
}

let gridCells: Array<{ cell: HTMLElement; caption: HTMLElement }> = [];

function buildGrid(images: Float32Array, labels: number[], size: number): void {
  const grid = $('grid');
  grid.replaceChildren();
  gridCells = labels.map((label, i) => {
    const cell = document.createElement('div');
    cell.className = 'cell';
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const g = canvas.getContext('2d') as CanvasRenderingContext2D;
    const img = g.createImageData(size, size);
    for (let p = 0; p < size * size; p++) {
      const v = Math.round(255 * (1 - images[i * size * size + p]));
      img.data.set([v, v, v, 255], 4 * p);
    }
    g.putImageData(img, 0, 0);
    const caption = document.createElement('div');
    caption.className = 'caption';
    caption.textContent = `true ${label}`;
    cell.append(canvas, caption);
    grid.append(cell);
    return { cell, caption };
  });
}

function updateGrid(method: MethodName, step: number, items: GridItem[]): void {
  $('grid-caption').textContent = `${NAMES[method] ?? method}, step ${step}: pseudo label ŷ (confidence)` +
    `${items[0]?.weight === undefined ? '' : ', AdaPL weight w'}${items[0]?.kept === undefined ? ' (supervised only: no unlabeled loss, no mask)' : ', kept by the mask or not'}.`;
  items.forEach((item, i) => {
    const entry = gridCells[i];
    if (entry === undefined) return;
    const kept = item.kept === undefined ? 'none' : item.kept > 0 ? 'kept' : 'masked';
    entry.cell.dataset.kept = kept;
    entry.cell.dataset.correct = String(item.pseudoLabel === item.label);
    const second = [item.weight === undefined ? '' : `w ${item.weight.toFixed(2)}`, kept === 'none' ? '' : kept].filter((p) => p !== '');
    entry.caption.textContent = `ŷ ${item.pseudoLabel} (${item.confidence.toFixed(2)})${second.length > 0 ? `\n${second.join(' · ')}` : ''}`;
    entry.cell.title = `true label ${item.label}`;
  });
}

function showMemory(numTensors: number, numBytes: number): void {
  page.numTensors = numTensors;
  $('num-tensors').textContent = `${numTensors} tensors, ${(numBytes / 2 ** 20).toFixed(1)} MiB`;
  $('num-tensors').dataset.value = String(numTensors);
}

function main(): void {
  let options: RunOptions;
  try {
    options = readOptions();
  } catch (e) {
    setState('error', (e as Error).message);
    page.errors.push((e as Error).message);
    return;
  }
  $('options').textContent = `${options.steps} steps per method, validation every ${options.evalEvery}, seed ${options.seed}, backend ${options.backend} (change with ?steps=…&evalEvery=…&seed=…&backend=…)`;
  const charts = {
    loss: new LineChart($<HTMLCanvasElement>('chart-loss'), {}),
    mask: new LineChart($<HTMLCanvasElement>('chart-mask'), { yRange: [0, 1], percent: true }),
    accuracy: new LineChart($<HTMLCanvasElement>('chart-accuracy'), { yRange: [0, 1], percent: true }),
  };
  const legend = $('legend');
  for (const m of options.methods) {
    const item = document.createElement('span');
    item.className = 'legend-item';
    item.innerHTML = `<i style="background:${COLORS[m] ?? '#000'}"></i>`;
    item.append(NAMES[m] ?? m);
    legend.append(item);
  }
  const smoothed = new Map<string, number>();
  const worker = new Worker(new URL('worker.js', import.meta.url), { type: 'module' });
  worker.onerror = (e) => {
    page.errors.push(e.message);
    setState('error', `worker error: ${e.message}`);
  };
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const msg = e.data;
    switch (msg.type) {
      case 'backend':
        page.backend = msg.backend.name;
        $('backend').textContent = msg.backend.reason;
        $('backend').dataset.name = msg.backend.name;
        break;
      case 'data':
        $('data-summary').textContent = msg.summary;
        buildGrid(msg.grid.images, msg.grid.labels, msg.grid.size);
        break;
      case 'memory':
        showMemory(msg.numTensors, msg.numBytes);
        break;
      case 'methodStart':
        page.methods[msg.method] = { steps: msg.steps, evals: [] };
        smoothed.delete(msg.method);
        $('status').textContent = `training ${NAMES[msg.method] ?? msg.method}: ${msg.steps} steps, batch ${msg.batch}`;
        break;
      case 'step': {
        const prev = smoothed.get(msg.method);
        const s = prev === undefined ? msg.loss : LOSS_SMOOTHING * prev + (1 - LOSS_SMOOTHING) * msg.loss;
        smoothed.set(msg.method, s);
        const m = page.methods[msg.method];
        m.lastLoss = msg.loss;
        m.lastMaskRate = msg.maskRate;
        charts.loss.add(msg.method, NAMES[msg.method], COLORS[msg.method], msg.step, s);
        if (msg.method !== 'supervised') charts.mask.add(msg.method, NAMES[msg.method], COLORS[msg.method], msg.step, msg.maskRate);
        $('progress').textContent = `${NAMES[msg.method] ?? msg.method} step ${msg.step}/${m.steps}: loss ${msg.loss.toFixed(3)}` +
          `${msg.method === 'supervised' ? '' : `, mask rate ${pct(msg.maskRate)}`}`;
        showMemory(msg.numTensors, msg.numBytes);
        break;
      }
      case 'eval':
        page.methods[msg.method].evals.push([msg.step, msg.emaTop1]);
        charts.accuracy.add(msg.method, NAMES[msg.method], COLORS[msg.method], msg.step, msg.emaTop1);
        break;
      case 'grid':
        updateGrid(msg.method, msg.step, msg.items);
        break;
      case 'methodEnd':
        Object.assign(page.methods[msg.method], { seconds: msg.seconds, test: msg.test });
        if (msg.confusion) renderConfusion(msg.method, msg.confusion);
        break;
      case 'runEnd':
        page.runs.push({ stopped: msg.stopped, seconds: msg.seconds, numTensorsBefore: msg.numTensorsBefore, numTensorsAfter: msg.numTensorsAfter });
        renderTable(msg.stopped ? ['Stopped: the table needs every method to finish; press Start for a new run.'] : msg.tableLines);
        $('runs').textContent = page.runs.map((r, i) =>
          `run ${i + 1}: ${r.stopped ? 'stopped' : 'finished'} in ${r.seconds.toFixed(1)} s, tensors before ${r.numTensorsBefore}, after ${r.numTensorsAfter}`).join('; ');
        setState(msg.stopped ? 'stopped' : 'done', msg.stopped ? `stopped after ${msg.seconds.toFixed(1)} s` : `done in ${msg.seconds.toFixed(1)} s`);
        break;
      case 'error':
        page.errors.push(msg.message);
        console.error(msg.message);
        setState('error', `error: ${msg.message.split('\n')[0]}`);
        break;
    }
  };
  $('start').addEventListener('click', () => {
    if (page.state === 'running') {
      worker.postMessage({ type: 'stop' });
      setState('stopping');
      return;
    }
    charts.loss.reset(options.steps);
    charts.mask.reset(options.steps);
    charts.accuracy.reset(options.steps);
    $('confusion').replaceChildren();
    renderTable(['The table appears when every method has finished.']);
    page.methods = {};
    setState('running', 'starting…');
    worker.postMessage({ type: 'start', options });
  });
  setState('idle', 'ready: press Start');
}

main();
