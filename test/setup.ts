import * as tf from '@tensorflow/tfjs';

// IS_TEST silences tfjs's "install tfjs-node" banner, which would repeat once per test file.
tf.env().set('IS_TEST', true);
await tf.setBackend('cpu');
await tf.ready();
