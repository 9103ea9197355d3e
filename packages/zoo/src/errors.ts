/**
 * The base class of the errors @xai-ts/zoo throws on purpose (the zoo depends on TF.js only, so it has its own
 * root instead of `XaiError`). Its message says what was wrong, where, and what to do.
 *
 * @example
 * ```ts
 * try { demoDataset({ n: 0, seed: 1 }); } catch (e) { if (e instanceof ZooError) console.error(e.message); }
 * ```
 */
export class ZooError extends Error {
  override name = 'ZooError';
  /** @param message - what was wrong, where, and what to do about it */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A weights file that cannot be read: truncated, malformed, or not in the format its name says.
 *
 * @example
 * ```ts
 * readSafetensors(new Uint8Array(4)); // WeightsFormatError: a safetensors file has at least 8 bytes, got 4
 * ```
 */
export class WeightsFormatError extends ZooError {
  override name = 'WeightsFormatError';
}

/**
 * Weights that do not fit the model: a missing tensor, or one whose shape is not what the layer needs. The
 * message names the tensor, the layer and both shapes.
 *
 * @example
 * ```ts
 * loadTorchvisionWeights(vgg, tensors); // WeightsMismatchError: "features.0.weight" has shape [64,3,3,3] ...
 * ```
 */
export class WeightsMismatchError extends ZooError {
  override name = 'WeightsMismatchError';
}

/**
 * A weights file that is not where it should be while downloading is off (`offline: true`), or was given by a path
 * that does not exist. The message says where to put the file and where to get it.
 *
 * @example
 * ```ts
 * await vgg16({ pretrained: true, offline: true });
 * // WeightsNotFoundError: ... put timm-vgg16.tv_in1k.safetensors at /home/me/.cache/xai-ts/... (download it from https://...)
 * ```
 */
export class WeightsNotFoundError extends ZooError {
  override name = 'WeightsNotFoundError';
}

/**
 * A file whose checksum is not the expected one: a corrupted or different download. The message names the file,
 * both digests and what to do.
 *
 * @example
 * ```ts
 * await ensureWeightsFile(file); // ChecksumError: ... has SHA-256 ab12..., expected 9f3c...; delete it and download again
 * ```
 */
export class ChecksumError extends ZooError {
  override name = 'ChecksumError';
}

/**
 * A download that failed: a network error, an HTTP error status, or a connection that closed early. Nothing is
 * left in the cache: the partial file is removed.
 *
 * @example
 * ```ts
 * await downloadFile('http://127.0.0.1:1/x', '/tmp/x'); // DownloadError: could not download ...
 * ```
 */
export class DownloadError extends ZooError {
  override name = 'DownloadError';
}

/**
 * A download whose body is not the file asked for: an HTML page (a login page, a captive portal, a moved file), an
 * empty or cut-off body, or a file of another format. Raised for files without a pinned digest, whose format is
 * checked instead. The message says what arrived and what to do; nothing is kept in the cache.
 *
 * @example
 * ```ts
 * await downloadFile('https://example.com/vgg16.safetensors', dest);
 * // UnexpectedContentError: ... is not a safetensors file: it is an HTML page (starts with '<!DOCTYPE html') ...
 * ```
 */
export class UnexpectedContentError extends DownloadError {
  override name = 'UnexpectedContentError';
}
