import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { installPrunableConv2DTraining, prunableConv2DTrainingInstalled, uninstallPrunableConv2DTraining } from '../../src/backends/prunableConv2D';
import { testBackend } from '../helpers/testBackend';
import { useWasmBackend } from '../../src/wasm';

const onTensorflow = testBackend() === 'tensorflow';

/** Four Conv2D layers covering the unfused path (linear without bias, bias + ReLU, stride 2 valid, 1×1) and one it leaves fused (ELU). */
function build(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [9, 9, 2] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', biasInitializer: 'ones', kernelInitializer: init(2) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid', kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 3, kernelSize: 1, kernelInitializer: init(4) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'elu', kernelInitializer: init(5) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor });
}

function gradients(model: tf.LayersModel, x: tf.Tensor): number[][] {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
    return [Array.from(value.dataSync()), ...Object.values(grads).map((g) => Array.from(g.dataSync()))];
  });
}

async function backpropInputCalls(model: tf.LayersModel, x: tf.Tensor): Promise<number> {
  const info = await tf.profile(() => { gradients(model, x); });
  return info.kernels.filter((k) => k.name === 'Conv2DBackpropInput').length;
}

describe('installPrunableConv2DTraining', () => {
  afterAll(() => {
    if (onTensorflow) installPrunableConv2DTraining();
  });

  /** Off tfjs-node only linear layers without bias are unfused: the same bits, the first layer's dX skipped. */
  async function checkUnfusedLinearLayers(): Promise<void> {
    const x = tf.randomUniform([2, 9, 9, 2], -1, 1, 'float32', 1);
    uninstallPrunableConv2DTraining();
    const stockModel = build();
    const stock = gradients(stockModel, x);
    const stockCalls = await backpropInputCalls(stockModel, x);
    installPrunableConv2DTraining();
    expect(prunableConv2DTrainingInstalled()).toBe(true);
    const model = build();
    expect(gradients(model, x)).toEqual(stock);
    expect(stockCalls).toBe(5);
    expect(await backpropInputCalls(model, x)).toBe(4);
    uninstallPrunableConv2DTraining();
    x.dispose();
  }

  it.runIf(!onTensorflow)(`unfuses only linear layers without bias on ${testBackend()}`, checkUnfusedLinearLayers);

  it.runIf(testBackend() === 'cpu')('unfuses only linear layers without bias on wasm (with tear-ssl\'s training kernels)', async () => {
    await useWasmBackend();
    try {
      await checkUnfusedLinearLayers();
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it.runIf(onTensorflow)('trains to the same bits and skips the first layer\'s dX, without leaks', async () => {
    const x = tf.randomUniform([3, 9, 9, 2], -1, 1, 'float32', 1);
    uninstallPrunableConv2DTraining();
    const stockModel = build();
    const stock = gradients(stockModel, x);
    const stockCalls = await backpropInputCalls(stockModel, x);
    expect(installPrunableConv2DTraining()).toBe(true);
    expect(installPrunableConv2DTraining()).toBe(false); // idempotent
    const model = build();
    const before = tf.memory().numTensors;
    const ours = gradients(model, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(ours).toEqual(stock);
    // five layers: the stock call computes dX for all five, the unfused one for all but the first
    expect(stockCalls).toBe(5);
    expect(await backpropInputCalls(model, x)).toBe(4);
    const inference = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
    uninstallPrunableConv2DTraining();
    expect(tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()))).toEqual(inference);
    expect(Object.prototype.hasOwnProperty.call(Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })), 'call')).toBe(false);
    installPrunableConv2DTraining();
    x.dispose();
  });
});
