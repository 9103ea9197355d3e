import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError, selectBackend } from '../src/index.js';

const missing = (name: string) => Promise.reject(new Error(`Cannot find package '${name}'`));

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('selectBackend', () => {
  it('takes wasm when tfjs-node is not installed', async () => {
    const tried: string[] = [];
    const name = await selectBackend(undefined, {
      importModule: (m) => {
        tried.push(m);
        return m.startsWith('@tensorflow/tfjs-node') ? missing(m) : import(m);
      },
    });
    expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tried).toEqual([
      '@tensorflow/tfjs-node-gpu',
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-backend-wasm',
    ]);
  });

  it('falls back to cpu when wasm cannot load either', async () => {
    expect(await selectBackend(undefined, { importModule: missing })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('takes tensorflow when a tfjs-node binding registers it', async () => {
    // a stand-in for @tensorflow/tfjs-node: it registers a backend named 'tensorflow' in our TF.js
    const Cpu = tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend;
    const fakeNode = async (m: string) => {
      if (m !== '@tensorflow/tfjs-node') return missing(m);
      tf.registerBackend('tensorflow', () => new Cpu());
      return {};
    };
    expect(await selectBackend(undefined, { importModule: fakeNode })).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    tf.removeBackend('tensorflow');
  });

  it('honours a request and names what to install when it cannot', async () => {
    expect(await selectBackend('cpu')).toBe('cpu');
    await expect(selectBackend('tensorflow', { importModule: missing })).rejects.toThrow(
      /the tensorflow backend needs @tensorflow\/tfjs-node .*npm i @tensorflow\/tfjs-node@4\.22\.0/,
    );
    await expect(selectBackend('wasm', { importModule: missing })).rejects.toThrow(CliError);
    await expect(selectBackend('webgpu')).rejects.toThrow(
      "unknown backend 'webgpu': use tensorflow, wasm, cpu",
    );
  });
});
