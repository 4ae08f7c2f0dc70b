/**
 * The training worker: picks a backend, loads the digits, and trains the demo's methods one after
 * another with tear-ssl's SemiSupervisedTrainer (the CLI demo's recipe: src/cli/demoRecipe.ts,
 * trainerInputs.ts, runRecipe.ts), posting step logs, validation accuracy, the unlabeled grid and the
 * test table to the page. Training here keeps the page responsive; between steps the worker yields
 * so a 'stop' message is seen within one step. Every tensor of a run is freed when it ends.
 */
import * as tf from '@tensorflow/tfjs';
import { demoFlags, demoTable, type DemoTableRow } from '../../src/cli/demoRecipe';
import { DATASET_PROFILES } from '../../src/cli/datasetProfiles';
import type { PreparedData } from '../../src/cli/prepareData';
import { buildModel } from '../../src/cli/runRecipe';
import { EVAL_BATCH, trainerConfig, trainerSetup } from '../../src/cli/trainerInputs';
import { COMMON_DEFAULTS, type MethodName, type TrainSettings } from '../../src/cli/trainOptions';
import { evaluationBatches } from '../../src/data/batchSource';
import { evaluateModels, SemiSupervisedTrainer } from '../../src/core';
import type { ClassificationReport } from '../../src/metrics/classificationReport';
import { describeMethod } from '../../src/training/algorithms/registry';
import { chooseBackend } from './chooseBackend';
import { loadDigitsData } from './loadDigitsData';
import { probeGrid } from './probeGrid';
import type { BackendInfo, FromWorker, RunOptions, TestNumbers, ToWorker } from './protocol';

const scope = self as unknown as { postMessage(m: FromWorker): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const post = (m: FromWorker): void => scope.postMessage(m);

/** Images shown in the grid: the first GRID_SIZE unlabeled images (fixed for a seed). */
const GRID_SIZE = 24;

let backend: Promise<BackendInfo> | undefined;
let data: { seed: number; prepared: Promise<PreparedData> } | undefined;
let running = false;
let stopRequested = false;

/** The CLI demo's settings for `method` (src/cli/demoRecipe.ts), with the page's steps and evaluation interval. */
function demoSettings(options: RunOptions, method: MethodName): TrainSettings {
  const flags = demoFlags({ quick: false, backend: 'auto', seed: options.seed, steps: options.steps }, method, '');
  return { ...COMMON_DEFAULTS, ...DATASET_PROFILES.digits.defaults, ...flags, evalEvery: options.evalEvery, progress: false, checkpointEvery: 0 } as TrainSettings;
}

/** Resolves after pending messages (a 'stop') are handled; a MessageChannel avoids setTimeout's clamping. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

const testNumbers = (r: ClassificationReport): TestNumbers =>
  ({ top1: r.accuracy, balancedAccuracy: r.balancedAccuracy, macroF1: r.macroF1, macroAuc: r.rocAuc });

const memory = (): void => {
  const m = tf.memory();
  post({ type: 'memory', numTensors: m.numTensors, numBytes: m.numBytes });
};

async function trainMethod(options: RunOptions, method: MethodName, prepared: PreparedData, grid: { images: tf.Tensor4D; labels: number[] }, backendName: string): Promise<DemoTableRow | undefined> {
  const settings = demoSettings(options, method);
  const unlabeledUsed = describeMethod(method).unlabeled;
  post({ type: 'methodStart', method, steps: settings.steps, batch: `${settings.batchSize}${unlabeledUsed ? ` + ${settings.mu * settings.batchSize} unlabeled` : ''}` });
  const model = buildModel('digits', prepared, settings.seed);
  let trainer: SemiSupervisedTrainer | undefined;
  try {
    const setup = trainerSetup(settings, prepared, model, undefined, {
      onStepEnd: (k, logs) => {
        const { numTensors, numBytes } = tf.memory();
        post({
          type: 'step', method, step: k + 1, loss: logs.loss, supervised: logs.supervised, unlabeled: logs.unlabeled, iph: logs.iph,
          maskRate: logs.maskRate, pseudoLabelAccuracy: logs.pseudoLabelAccuracy, numTensors, numBytes,
        });
      },
      onEvalEnd: (k, metrics) => post({ type: 'eval', method, step: k + 1, emaTop1: metrics.ema.accuracy, studentTop1: metrics.student.accuracy }),
    });
    trainer = await SemiSupervisedTrainer.create({ ...setup, config: trainerConfig(settings, prepared) });
    const t = trainer;
    const showGrid = async (): Promise<void> => {
      post({ type: 'grid', method, step: t.step, items: await probeGrid(model, t.emaModel as tf.LayersModel, grid.images, grid.labels, t.config) });
    };
    await showGrid();
    const started = performance.now();
    while (t.step < settings.steps && !stopRequested) {
      await t.trainStep();
      if (t.step % options.gridEvery === 0 || t.step === settings.steps) await showGrid();
      await yieldToEvents();
    }
    const seconds = (performance.now() - started) / 1000;
    if (stopRequested) {
      post({ type: 'methodEnd', method, stopped: true, seconds, steps: t.step });
      return undefined;
    }
    const [student, ema] = await evaluateModels([model, t.emaModel as tf.LayersModel],
      evaluationBatches(prepared.test.dataset, prepared.test.indices, EVAL_BATCH), prepared.numClasses);
    const test = { student: testNumbers(student), ema: testNumbers(ema) };
    post({ type: 'methodEnd', method, stopped: false, seconds, steps: t.step, test, confusion: ema.confusionMatrix });
    return { method, outcome: { backend: backendName, seconds, test } };
  } finally {
    trainer?.dispose();
    model.dispose();
  }
}

async function run(options: RunOptions): Promise<void> {
  // Set up once per worker (tfjs backends are process-wide); a failure is forgotten, so Start may retry.
  backend ??= chooseBackend(options.backend, new URL('wasm/', self.location.href).href).catch((e: unknown) => {
    backend = undefined;
    throw e;
  });
  const chosen = await backend;
  post({ type: 'backend', backend: chosen });
  const first = demoSettings(options, options.methods[0] ?? 'supervised');
  if (data === undefined || data.seed !== options.seed) {
    data = {
      seed: options.seed,
      prepared: loadDigitsData(new URL('data/digits.csv.gz', self.location.href).href, first).catch((e: unknown) => {
        data = undefined;
        throw e;
      }),
    };
  }
  const prepared = await data.prepared;
  const gridIndices = Array.from(prepared.unlabeled.indices.subarray(0, GRID_SIZE));
  const pixels = 8 * 8;
  const gridImages = new Float32Array(gridIndices.length * pixels);
  gridIndices.forEach((idx, i) => gridImages.set(prepared.unlabeled.dataset.images.subarray(idx * pixels, (idx + 1) * pixels), i * pixels));
  const gridLabels = gridIndices.map((idx) => prepared.unlabeled.dataset.labels[idx]);
  post({ type: 'data', summary: prepared.summary, grid: { images: gridImages, labels: gridLabels, size: 8 } });

  const numTensorsBefore = tf.memory().numTensors;
  memory();
  const started = performance.now();
  const rows: DemoTableRow[] = [];
  const gridTensor = tf.tensor4d(gridImages, [gridIndices.length, 8, 8, 1]);
  try {
    for (const method of options.methods) {
      if (stopRequested) break;
      const row = await trainMethod(options, method, prepared, { images: gridTensor, labels: gridLabels }, chosen.name);
      if (row) rows.push(row);
      memory();
    }
  } finally {
    gridTensor.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const stopped = stopRequested;
  memory();
  post({
    type: 'runEnd', stopped, seconds,
    // A stopped run has no comparison to make: the table and its verdict need every method.
    tableLines: !stopped && rows.length > 0 ? demoTable(rows, seconds) : [],
    numTensorsBefore, numTensorsAfter: tf.memory().numTensors,
  });
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'stop') {
    stopRequested = running;
    return;
  }
  if (running) return;
  running = true;
  stopRequested = false;
  run(msg.options)
    .catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? `${err.message}${err.stack ? `\n${err.stack}` : ''}` : String(err) }))
    .finally(() => {
      running = false;
      stopRequested = false;
    });
};
