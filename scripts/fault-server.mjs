#!/usr/bin/env node
// A local HTTP server that serves one weights file with the faults real downloads meet, for testing the zoo's
// download cache (packages/zoo/test/download-faults.test.ts) or trying it by hand:
//
//   node scripts/fault-server.mjs [port]      # prints the URL of every fault
//
// GET /<fault>/<any file name>[?times=K] serves the file with <fault>; with `times`, only the first K requests to
// that exact URL are faulty and later ones are served normally (so a retry can succeed). Normal answers honour
// Range requests (206 with Content-Range). Plain Node, 127.0.0.1, a random port by default.

import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

/**
 * The faults, by the first path segment:
 * - `ok`: the file, honouring Range
 * - `truncated`: announces the whole Content-Length, sends half, drops the connection
 * - `truncated-no-length`: no Content-Length; half the file, then a clean close (a body that looks complete)
 * - `html`: an HTML sign-in page with status 200
 * - `not-found`: 404; `server-error`: 500
 * - `stall`: announces the whole file, sends half, then nothing more until the client closes
 * - `reset`: sends half, then resets the connection (TCP RST)
 * - `trickle`: the whole file in small pieces with pauses (slow but never silent for long)
 * - `wrong-checksum`: the file with its last byte changed (still well-formed: only a pinned digest notices)
 * - `range-ignored`: never honours Range (answers 200 with the whole file); the first answer (or `times`) is cut off
 * - `bad-range`: answers a Range request with 206 from byte 0; the first answer (or `times`) is cut off
 */
export const FAULTS = [
  'ok',
  'truncated',
  'truncated-no-length',
  'html',
  'not-found',
  'server-error',
  'stall',
  'reset',
  'trickle',
  'wrong-checksum',
  'range-ignored',
  'bad-range',
];

export const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>\n<body><form>…</form></body></html>\n';

/**
 * A small, valid safetensors file: one F32 tensor `w` of `count` values.
 *
 * @param {number} count
 * @returns {Uint8Array}
 */
export function sampleSafetensors(count = 16_384) {
  let json = JSON.stringify({ w: { dtype: 'F32', shape: [count], data_offsets: [0, count * 4] } });
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.byteLength + count * 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  for (let i = 0; i < count; i++) view.setFloat32(8 + head.byteLength + i * 4, Math.sin(i), true);
  return out;
}

/**
 * Starts the server.
 *
 * @param {{ body?: Uint8Array, port?: number, trickleChunks?: number, trickleMs?: number }} [options]
 * @returns {Promise<{ url: string, body: Uint8Array, sha256: string, requests: { url: string, range: string | undefined }[], close(): Promise<void> }>}
 */
export async function startFaultServer(options = {}) {
  const body = options.body ?? sampleSafetensors();
  const trickleChunks = options.trickleChunks ?? 30;
  const trickleMs = options.trickleMs ?? 40;
  const half = Math.floor(body.byteLength / 2);
  const counts = new Map();
  const requests = [];
  const timers = new Set();

  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  /** The whole file or the requested range, honouring Range unless told not to. */
  const serve = (req, res, data, honourRange = true) => {
    const m = honourRange ? /^bytes=(\d+)-$/.exec(req.headers.range ?? '') : null;
    const start = m ? Number(m[1]) : 0;
    if (m && start >= data.byteLength) {
      res.writeHead(416, { 'content-range': `bytes */${data.byteLength}` });
      res.end();
      return;
    }
    if (m)
      res.writeHead(206, {
        'content-length': data.byteLength - start,
        'content-range': `bytes ${start}-${data.byteLength - 1}/${data.byteLength}`,
        etag: '"v1"',
      });
    else res.writeHead(200, { 'content-length': data.byteLength, etag: '"v1"', 'accept-ranges': 'bytes' });
    res.end(data.subarray(start));
  };

  /** Announces the whole file, sends the first half; `then` decides what happens to the connection. */
  const cutOff = (req, res, then) => {
    res.writeHead(200, { 'content-length': body.byteLength, etag: '"v1"' });
    res.write(body.subarray(0, half), () => then(req.socket));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const fault = url.pathname.split('/')[1] ?? '';
    const n = (counts.get(req.url) ?? 0) + 1;
    counts.set(req.url, n);
    requests.push({ url: req.url ?? '', range: req.headers.range });
    const times = url.searchParams.has('times')
      ? Number(url.searchParams.get('times'))
      : Number.POSITIVE_INFINITY;
    const faulty = n <= times;
    if (!FAULTS.includes(fault)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`no such fault; use one of ${FAULTS.join(', ')}\n`);
      return;
    }
    if (fault === 'range-ignored') {
      if (n <= (url.searchParams.has('times') ? times : 1)) cutOff(req, res, (s) => s.destroy());
      else serve(req, res, body, false);
      return;
    }
    if (fault === 'bad-range') {
      if (n <= (url.searchParams.has('times') ? times : 1)) cutOff(req, res, (s) => s.destroy());
      else if (req.headers.range) {
        res.writeHead(206, {
          'content-length': body.byteLength,
          'content-range': `bytes 0-${body.byteLength - 1}/${body.byteLength}`,
        });
        res.end(body);
      } else serve(req, res, body);
      return;
    }
    if (!faulty || fault === 'ok') {
      serve(req, res, body);
      return;
    }
    switch (fault) {
      case 'truncated':
        cutOff(req, res, (s) => s.destroy());
        return;
      case 'truncated-no-length': {
        // HTTP/1.0 style: the body ends where the connection does, so a cut-off body looks complete.
        const socket = req.socket;
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nconnection: close\r\n\r\n',
        );
        socket.end(body.subarray(0, half));
        return;
      }
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(HTML_PAGE);
        return;
      case 'not-found':
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Not Found\n');
        return;
      case 'server-error':
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('Internal Server Error\n');
        return;
      case 'stall':
        // Nothing more is sent: the connection stays open until the client gives up and closes it.
        cutOff(req, res, () => undefined);
        return;
      case 'reset':
        cutOff(req, res, (s) => s.resetAndDestroy());
        return;
      case 'trickle': {
        res.writeHead(200, { 'content-length': body.byteLength, etag: '"v1"' });
        const size = Math.ceil(body.byteLength / trickleChunks);
        let at = 0;
        const next = () => {
          if (res.destroyed) return;
          res.write(body.subarray(at, at + size));
          at += size;
          if (at >= body.byteLength) res.end();
          else later(trickleMs, next);
        };
        next();
        return;
      }
      case 'wrong-checksum': {
        const altered = body.slice();
        altered[altered.byteLength - 1] ^= 0xff;
        serve(req, res, altered);
        return;
      }
    }
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    body,
    sha256: createHash('sha256').update(body).digest('hex'),
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startFaultServer({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`fault server at ${server.url} (sha256 of the file: ${server.sha256})\n`);
  for (const fault of FAULTS) process.stdout.write(`  ${server.url}/${fault}/weights.safetensors\n`);
  process.stdout.write('add ?times=1 to fail only the first request; Ctrl-C stops\n');
}
