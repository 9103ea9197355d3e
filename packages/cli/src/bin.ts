#!/usr/bin/env node
import * as tf from '@tensorflow/tfjs';
import { main } from './cli.js';

// A command line has no use for TF.js's development warnings (such as the cpu backend's advice to install tfjs-node).
tf.enableProdMode();
process.exitCode = await main(process.argv.slice(2));
