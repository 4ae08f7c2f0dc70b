import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { InitMessage, StepMessage, WorkerReply, WorkerRequest } from './protocol';

/**
 * One data-parallel worker: rebuilds the model from its factory module, then per step takes the full
 * weight list and a shard of the batch, and answers with the shard's loss, the gradients of the
 * trainable weights and the values of the non-trainable ones (batch-norm statistics) after the step.
 */
type LossFn = (model: tf.LayersModel, inputs: Record<string, tf.Tensor>) => tf.Scalar;

let model: tf.LayersModel | null = null;
let lossFn: LossFn | null = null;

async function loadExport(spec: { module: string; exportName: string }): Promise<unknown> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const value = mod[spec.exportName];
  if (value === undefined) throw new Error(`export '${spec.exportName}' not found in ${spec.module}`);
  return value;
}

async function init(msg: InitMessage): Promise<WorkerReply> {
  if (msg.backend === 'wasm') {
    const wasm = await import('../wasm/useWasmBackend');
    await wasm.useWasmBackend(msg.kernelOptions ?? {});
  } else {
    await tf.setBackend('cpu');
    await tf.ready();
  }
  const factory = (await loadExport(msg.model)) as (...args: unknown[]) => tf.LayersModel | Promise<tf.LayersModel>;
  model = await factory(...(msg.model.args ?? []));
  lossFn = (await loadExport(msg.loss)) as LossFn;
  const trainableSet = new Set(model.trainableWeights.map((w) => w.originalName));
  return {
    type: 'ready', backend: tf.getBackend(),
    weightShapes: model.weights.map((w) => w.shape as number[]),
    trainable: model.weights.map((w) => trainableSet.has(w.originalName)),
  };
}

function step(msg: StepMessage): { reply: WorkerReply; transfer: ArrayBuffer[] } {
  if (model === null || lossFn === null) throw new Error('worker not initialised');
  const m = model;
  const f = lossFn;
  tf.tidy(() => {
    m.weights.forEach((w, i) => w.write(tf.tensor(msg.weights[i], w.shape as number[], 'float32')));
  });
  const inputs: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(msg.inputs)) inputs[name] = tf.tensor(t.values, t.shape, t.dtype);
  const trainable = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => f(m, inputs), trainable);
  const loss = value.dataSync()[0];
  const gradArrays = trainable.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads), ...Object.values(inputs)]);
  const trainableNames = new Set(m.trainableWeights.map((w) => w.originalName));
  const state = m.weights.filter((w) => !trainableNames.has(w.originalName)).map((w) => w.read().dataSync() as Float32Array);
  const reply: WorkerReply = { type: 'result', id: msg.id, loss, grads: gradArrays, state };
  return { reply, transfer: [...gradArrays, ...state].map((a) => a.buffer as ArrayBuffer) };
}

if (parentPort === null) throw new Error('tear-ssl gradientWorker must run inside worker_threads');
const port = parentPort;
port.on('message', (msg: WorkerRequest) => {
  void (async () => {
    try {
      if (msg.type === 'init') port.postMessage(await init(msg));
      else if (msg.type === 'step') {
        const { reply, transfer } = step(msg);
        port.postMessage(reply, transfer);
      } else if (msg.type === 'close') {
        model?.dispose();
        port.close();
      }
    } catch (e) {
      port.postMessage({ type: 'error', id: msg.type === 'step' ? msg.id : undefined, message: e instanceof Error ? e.stack ?? e.message : String(e) });
    }
  })();
});
