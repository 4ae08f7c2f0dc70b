import * as tf from '@tensorflow/tfjs';
import { activateTestBackend } from './helpers/testBackend';

await activateTestBackend();
await tf.ready();
