import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';

// TF.js's "you are running in Node.js" banner, once per test file, is noise in the test log
tf.env().set('IS_TEST', true);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
