import * as tf from '@tensorflow/tfjs';

tf.env().set('PROD', false);
await tf.setBackend('cpu');
await tf.ready();
