// Picks the TF.js backend: wasm (its .wasm files are bundled by Vite and served next to the page), else webgl,
// else the pure-JS cpu backend. `?backend=cpu|webgl|wasm` in the URL forces one.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm?url';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

/** Sets the first backend that initializes, of `preferred` and then the fallbacks, and returns its name. */
export async function chooseBackend(preferred: string | null): Promise<string> {
  const order = [...new Set([preferred ?? 'wasm', 'wasm', 'webgl', 'cpu'])];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
    } catch {
      // try the next one
    }
  }
  throw new Error('no TensorFlow.js backend could be initialized');
}
