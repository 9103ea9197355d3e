import * as tf from '@tensorflow/tfjs';

// TF.js's "you are running in Node.js" banner is noise in the test log (the page itself runs in Chromium)
tf.env().set('PROD', true);
