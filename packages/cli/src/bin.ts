#!/usr/bin/env node
import * as tf from '@tensorflow/tfjs';
import { main } from './cli.js';
import type { OutputStream } from './io.js';

/**
 * A process stream that goes quiet once its reader has gone (`xai explain … | head -1`): the pipe's EPIPE, and the
 * errors of writes already queued behind it, end the writing, not the command, which finishes its work (the heatmap
 * files) and exits as it would have. Terminals stay as they are: progress bars draw on them through the stream's
 * cursor methods, and they do not raise EPIPE.
 */
function quietWhenClosed(stream: NodeJS.WriteStream): OutputStream {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    closed = true;
  });
  if (stream.isTTY) return stream;
  return { write: (text: string) => closed || stream.write(text), isTTY: false };
}

// A command line has no use for TF.js's development warnings (such as the cpu backend's advice to install tfjs-node).
tf.enableProdMode();
process.exitCode = await main(process.argv.slice(2), {
  stdout: quietWhenClosed(process.stdout),
  stderr: quietWhenClosed(process.stderr),
});
