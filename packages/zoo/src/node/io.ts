import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ZooError } from '../errors.js';

const SHARD_BYTES = 4 * 1024 * 1024;

/**
 * A TF.js IO handler for the file system, without tfjs-node: `model.save(fileSystem(dir))` writes `dir/model.json`
 * and 4 MB weight shards (`group1-shardKofN.bin`, the layout of the TF.js converter), and
 * `tf.loadLayersModel(fileSystem(path))` reads them back from the directory or its `model.json`.
 *
 * @param path - a directory (for saving or loading) or a `model.json` path (for loading)
 * @returns an IO handler for `model.save` and `tf.loadLayersModel`
 *
 * @example
 * ```ts
 * const vgg = await vgg16({ pretrained: true });
 * await vgg.save(fileSystem('./vgg16-tfjs'));
 * const again = await tf.loadLayersModel(fileSystem('./vgg16-tfjs'));
 * ```
 */
export function fileSystem(path: string): tf.io.IOHandler {
  const jsonPath = path.endsWith('.json') ? path : join(path, 'model.json');
  const dir = dirname(jsonPath);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw new ZooError(
          'fileSystem() saves Keras-JSON models (tf.LayersModel), not binary graph topologies',
        );
      await mkdir(dir, { recursive: true });
      const weights = new Uint8Array(
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData),
      );
      const count = Math.max(1, Math.ceil(weights.byteLength / SHARD_BYTES));
      const paths = Array.from({ length: count }, (_, k) => `group1-shard${k + 1}of${count}.bin`);
      for (let k = 0; k < count; k++)
        await writeFile(join(dir, paths[k]!), weights.subarray(k * SHARD_BYTES, (k + 1) * SHARD_BYTES));
      const manifest: tf.io.WeightsManifestConfig = [{ paths, weights: artifacts.weightSpecs ?? [] }];
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? '@xai-ts/zoo fileSystem()',
        weightsManifest: manifest,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFile(jsonPath, JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string;
      try {
        text = await readFile(jsonPath, 'utf8');
      } catch {
        throw new ZooError(
          `no ${basename(jsonPath)} at ${jsonPath}: pass a directory written by model.save(fileSystem(dir)) or the path of its model.json`,
        );
      }
      const json = JSON.parse(text) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const b = await readFile(join(dir, p));
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}
