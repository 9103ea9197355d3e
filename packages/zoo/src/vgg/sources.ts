import { ZooError } from '../errors.js';
import type { VggDepth } from './architecture.js';

/**
 * Where pretrained VGG weights come from, which fixes their preprocessing:
 * - `torchvision`: torchvision's IMAGENET1K_V1 weights (those Metalhead.jl ports), as timm's `vggNN.tv_in1k`
 *   safetensors on the Hugging Face hub; RGB in [0, 1], normalised by ImageNet mean and std.
 * - `keras`: the keras-applications HDF5 files (VGG16 and VGG19 only, no BatchNorm), converted from the original
 *   Caffe models; BGR in [0, 255] minus the Caffe channel means.
 *
 * @example
 * ```ts
 * const source: WeightSource = 'keras';
 * await vgg16({ pretrained: true, weights: source });
 * ```
 */
export type WeightSource = 'torchvision' | 'keras';

/**
 * A pretrained weights file: where to get it, how to check it, what format it has.
 *
 * @example
 * ```ts
 * const file: WeightsFile = vggWeightsFile(19, { source: 'keras' }); // its url, fileName and md5
 * ```
 */
export interface WeightsFile {
  /** The weight source. */
  source: WeightSource;
  /** The file format. */
  format: 'safetensors' | 'keras-h5';
  /** The file name in the cache directory. */
  fileName: string;
  /** Where to download it. */
  url: string;
  /** The MD5 hex digest the publisher gives (keras-applications pins its files by MD5). */
  md5?: string;
  /** The SHA-256 hex digest, where known. */
  sha256?: string;
}

// keras-applications' pinned MD5 digests (file_hash in keras/applications/vgg16.py and vgg19.py).
const KERAS_MD5: Record<string, string> = {
  vgg16_weights_tf_dim_ordering_tf_kernels: '64373286793e3c8b2b4e3219cbf3544b',
  vgg16_weights_tf_dim_ordering_tf_kernels_notop: '6d6bbae143d832006294945121d1f1fc',
  vgg19_weights_tf_dim_ordering_tf_kernels: 'cbe5617147190e668d6c5d5026f83318',
  vgg19_weights_tf_dim_ordering_tf_kernels_notop: '253f8cb515780f3b799900260a226db6',
};

/**
 * The pretrained weights file of a VGG.
 *
 * @param depth - 11, 13, 16 or 19
 * @param options - `source` (default `torchvision`), `batchNorm`, `includeTop`
 * @returns the file's name, URL, format and known digests
 * @throws {@link ZooError} for a combination no source publishes (keras: only VGG16/19 without BatchNorm)
 *
 * @example
 * ```ts
 * vggWeightsFile(16).url; // https://huggingface.co/timm/vgg16.tv_in1k/resolve/main/model.safetensors
 * vggWeightsFile(16, { source: 'keras', includeTop: false }).fileName; // vgg16_..._notop.h5
 * ```
 */
export function vggWeightsFile(
  depth: VggDepth,
  options: { source?: WeightSource; batchNorm?: boolean; includeTop?: boolean } = {},
): WeightsFile {
  const source = options.source ?? 'torchvision';
  const bn = options.batchNorm ?? false;
  if (source === 'torchvision') {
    const name = `vgg${depth}${bn ? '_bn' : ''}.tv_in1k`;
    return {
      source,
      format: 'safetensors',
      fileName: `timm-${name}.safetensors`,
      url: `https://huggingface.co/timm/${name}/resolve/main/model.safetensors`,
    };
  }
  if (source === 'keras') {
    if (depth !== 16 && depth !== 19)
      throw new ZooError(
        `keras-applications publishes VGG16 and VGG19 only, not VGG${depth}; use weights: 'torchvision'`,
      );
    if (bn)
      throw new ZooError(
        "keras-applications has no BatchNorm VGG; use weights: 'torchvision' for batchNorm: true",
      );
    const stem = `vgg${depth}_weights_tf_dim_ordering_tf_kernels${options.includeTop === false ? '_notop' : ''}`;
    return {
      source,
      format: 'keras-h5',
      fileName: `${stem}.h5`,
      url: `https://storage.googleapis.com/tensorflow/keras-applications/vgg${depth}/${stem}.h5`,
      md5: KERAS_MD5[stem]!,
    };
  }
  throw new ZooError(`unknown weight source "${String(source)}"; use 'torchvision' or 'keras'`);
}
