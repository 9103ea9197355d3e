/** Types of `fault-server.mjs`, for the tests that import it. */

/** The faults, by the first path segment of a URL (see `fault-server.mjs`). */
export declare const FAULTS: readonly string[];

/** The HTML page of the `html` fault. */
export declare const HTML_PAGE: string;

/** A small, valid safetensors file: one F32 tensor `w` of `count` values. */
export declare function sampleSafetensors(count?: number): Uint8Array;

/** A request the server received. */
export interface FaultRequest {
  /** Path and query. */
  url: string;
  /** The Range header, if any. */
  range: string | undefined;
}

/** A running fault server. */
export interface FaultServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The file it serves. */
  body: Uint8Array;
  /** The file's SHA-256, hex. */
  sha256: string;
  /** Every request so far, in order. */
  requests: FaultRequest[];
  /** Stops the server, dropping open connections. */
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (a random port unless `port` is given). */
export declare function startFaultServer(options?: {
  body?: Uint8Array;
  port?: number;
  trickleChunks?: number;
  trickleMs?: number;
}): Promise<FaultServer>;
