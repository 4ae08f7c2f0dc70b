import * as tf from '@tensorflow/tfjs';

await tf.setBackend('cpu');
await tf.ready();
