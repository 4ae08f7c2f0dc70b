import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { installWasmTrainingKernels, installedWasmTrainingKernels, uninstallWasmTrainingKernels, useWasmBackend } from '../../../src/wasm';
import { batchNormTrainingBackends } from '../../../src/backends/batchNormTrainingCall';
import { createSmallCnn } from '../../../src/models/smallCnn';
import { expectClose, expectNoLeak } from '../../helpers/tensors';

const TOUCHED = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'Sum', 'Mean', 'UnsortedSegmentSum', 'Identity', 'LeakyRelu', 'TearReluGrad', 'TearLeakyReluGrad', 'FusedBatchNorm'];

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

/** Gradients of a batch-norm expression in x, mean, variance, scale and offset (the five saved/used inputs). */
function batchNormGrads(): number[][] {
  return tf.tidy(() => {
    const x = seeded([3, 4, 5, 6], 1);
    const mean = seeded([6], 2);
    const variance = tf.add(seeded([6], 3), 1.5);
    const scale = seeded([6], 4);
    const offset = seeded([6], 5);
    const weights = seeded([3, 4, 5, 6], 6);
    const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
      tf.sum(tf.mul(tf.batchNorm(a as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3), weights));
    return tf.grads(f)([x, mean, variance, scale, offset]).map((g) => Array.from(g.dataSync()));
  });
}

/** Loss and every trainable weight's gradient (in model order) of softmax cross-entropy on a fixed batch. */
function modelGradients(model: tf.LayersModel, inputShape: number[], numClasses: number): { loss: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const x = seeded(inputShape, 11);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), numClasses);
    const { value, grads } = tf.variableGrads(() => {
      const out = model.apply(x, { training: true });
      const logits = (Array.isArray(out) ? out[0] : out) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    });
    const ordered = model.trainableWeights.map((w) => grads[w.originalName ?? w.name].dataSync() as Float32Array);
    return { loss: value.dataSync()[0], grads: ordered };
  });
}

/** conv(stride 2) → BN → ReLU → depthwise(M=2) → maxPool3/2 → conv(valid) → GAP → dense. */
function strideDepthwiseModel(seed: number): tf.LayersModel {
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  return tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [11, 11, 2], filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init() }),
    tf.layers.batchNormalization({ axis: -1 }),
    tf.layers.reLU(),
    tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: init() }),
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
    tf.layers.conv2d({ filters: 5, kernelSize: 2, padding: 'valid', kernelInitializer: init() }),
    tf.layers.globalAveragePooling2d({}),
    tf.layers.dense({ units: 3, kernelInitializer: init() }),
  ] });
}

async function gradientsOn(backend: string, build: () => tf.LayersModel, inputShape: number[], numClasses: number) {
  await tf.setBackend(backend);
  const model = build();
  const result = modelGradients(model, inputShape, numClasses);
  model.dispose();
  return result;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('installWasmTrainingKernels', () => {
  const cpuBefore = new Map(TOUCHED.map((n) => [n, tf.getKernel(n, 'cpu')]));
  const stockActivationGradients = ['Relu', 'LeakyRelu'].map((n) => tf.getGradient(n));
  let stockBatchNormGrads: number[][] = [];

  it('starts uninstalled; the stock batch-norm gradient is recorded as the reference', () => {
    expect(installedWasmTrainingKernels()).toBeNull();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    stockBatchNormGrads = batchNormGrads();
  });

  it('installs for wasm only, reports what it installed, and a second call changes nothing', () => {
    const first = installWasmTrainingKernels();
    expect([...first.kernels].sort()).toEqual([...TOUCHED].sort());
    expect([...first.gradients].sort()).toEqual(['FusedBatchNorm', 'LeakyRelu', 'Relu']);
    expect(first.layerCalls).toEqual(['BatchNormalization']);
    expect(batchNormTrainingBackends()).toContain('wasm'); // training-mode batch norm as composedBatchNormTraining
    const functions = TOUCHED.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc);
    const gradient = tf.getGradient('FusedBatchNorm');
    const second = installWasmTrainingKernels({ batchNormGradient: false, maxPoolGrad: false });
    expect(second).toEqual(first);
    expect(TOUCHED.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc)).toEqual(functions);
    expect(tf.getGradient('FusedBatchNorm')).toBe(gradient);
    for (const n of TOUCHED) expect(tf.getKernel(n, 'cpu'), `cpu kernel ${n}`).toBe(cpuBefore.get(n));
  });

  it('Identity on wasm shares the buffer: a clone outlives its source, strings still copy, no data id is left behind', async () => {
    await tf.setBackend('wasm');
    await expectNoLeak(() => {
      const ids = tf.backend().numDataIds();
      const x = tf.tensor2d([[1, -2, 3], [4.5, 0, -6]]);
      const y = x.clone();
      expect(y.dataId).toBe(x.dataId);
      x.dispose();
      expect(Array.from(y.dataSync())).toEqual([1, -2, 3, 4.5, 0, -6]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(t)))(y);
      expect(Array.from(g.dataSync())).toEqual([2, -4, 6, 9, 0, -12]);
      const s = tf.tensor1d(['a', 'bc'], 'string');
      const sc = s.clone();
      s.dispose();
      expect(sc.dataSync()).toEqual(['a', 'bc']);
      tf.dispose([y, g, sc]);
      expect(tf.backend().numDataIds()).toBe(ids);
    });
    await tf.setBackend('cpu');
  });

  it('the broadcast batch-norm gradient equals the stock one on cpu and on wasm', async () => {
    await expectNoLeak(() => {
      const after = batchNormGrads();
      after.forEach((g, i) => expectClose(g, stockBatchNormGrads[i], 1e-5, 1e-5));
    });
    await tf.setBackend('wasm');
    const onWasm = batchNormGrads();
    onWasm.forEach((g, i) => expectClose(g, stockBatchNormGrads[i], 1e-4, 1e-4));
    await tf.setBackend('cpu');
  });

  const models: Array<[string, () => tf.LayersModel, number[], number]> = [
    ['small CNN (conv-BN-pool ×2, conv, GAP, dense)', () => createSmallCnn({ inputShape: [8, 8, 1], numClasses: 4, seed: 3 }), [4, 8, 8, 1], 4],
    ['stride-2 conv, depthwise M=2, maxPool 3/2, valid conv', () => strideDepthwiseModel(21), [4, 11, 11, 2], 3],
  ];
  for (const [name, build, shape, classes] of models) {
    it(`whole-model gradients on wasm match cpu: ${name}`, async () => {
      const cpu = await gradientsOn('cpu', build, shape, classes);
      const wasm = await gradientsOn('wasm', build, shape, classes);
      await tf.setBackend('cpu');
      expect(wasm.loss).toBeCloseTo(cpu.loss, 5);
      expect(wasm.grads.length).toBe(cpu.grads.length);
      // A gradient that is zero in exact arithmetic (a convolution's bias before batch norm) is rounding
      // noise on both backends: every weight is also allowed float32 noise at the model's largest gradient.
      const largest = Math.max(...cpu.grads.map((g) => Math.max(...Array.from(g, Math.abs))));
      cpu.grads.forEach((g, i) => {
        const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
        expectClose(wasm.grads[i], g, 2e-5 * scale + 1e-6 * largest, 1e-3);
      });
    });
  }

  it('training steps on wasm leak no tensors and no wasm data ids', async () => {
    await useWasmBackend();
    const model = createSmallCnn({ inputShape: [8, 8, 1], numClasses: 3, seed: 5 });
    const optimizer = tf.train.sgd(0.1);
    const x = seeded([4, 8, 8, 1], 7);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const step = () => {
      const cost = optimizer.minimize(() => {
        const [logits] = model.apply(x, { training: true }) as tf.Tensor[];
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      }, true);
      cost?.dispose();
    };
    step();
    const tensors = tf.memory().numTensors;
    const ids = tf.backend().numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(ids);
    tf.dispose([x, labels]);
    model.dispose();
    optimizer.dispose();
    await tf.setBackend('cpu');
  });

  it('uninstall puts back wasm\'s own kernels and the stock gradient', () => {
    uninstallWasmTrainingKernels();
    expect(installedWasmTrainingKernels()).toBeNull();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
    expect(tf.getKernel('Sum', 'wasm')).toBeDefined();
    expect(tf.getGradient('FusedBatchNorm')).not.toBeUndefined();
    expect(batchNormTrainingBackends()).not.toContain('wasm');
    expect(['Relu', 'LeakyRelu'].map((n) => tf.getGradient(n))).toEqual(stockActivationGradients);
    for (const n of TOUCHED) expect(tf.getKernel(n, 'cpu')).toBe(cpuBefore.get(n));
    const withoutBatchNorm = installWasmTrainingKernels({ batchNormTraining: false });
    expect(withoutBatchNorm.kernels.length).toBe(TOUCHED.length);
    expect(withoutBatchNorm.layerCalls).toEqual([]);
    expect(batchNormTrainingBackends()).not.toContain('wasm');
    uninstallWasmTrainingKernels();
  });
});
