import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';

// TF.js's "you are running in Node.js" banner, once per test file, is noise in the test log; PROD silences only
// TF.js's warnings (IS_TEST would also turn on its kernel leak checks, which change its own error messages)
tf.env().set('PROD', true);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
