// What the end-to-end tests share: a static server for the built pages (dist/) and Debian's Chromium driven by
// playwright-core.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI)
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium)`);
if (!hasChromium)
  console.warn(
    `SKIPPING the browser end-to-end tests: ${CHROMIUM} is not installed (apt-get install -y chromium to run them)`,
  );

export const dist = fileURLToPath(new URL('../dist/', import.meta.url));
export const shots = fileURLToPath(new URL('../out/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
};

/** A static file server for dist/ on 127.0.0.1, on a free port. */
export function serve(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(dist, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(dist)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A page of dist/ open in a fresh headless Chromium, with the page's errors collected. */
export interface OpenPage {
  readonly page: Page;
  readonly errors: string[];
  close(): Promise<void>;
}

export async function openPage(path: string): Promise<OpenPage> {
  if (!existsSync(join(dist, 'index.html')))
    throw new Error('dist/index.html is missing: run the build first');
  const server = await serve();
  const profile = await mkdtemp(join(tmpdir(), 'xai-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
      viewport: { width: 1200, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/${path}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    const opened = context;
    return {
      page,
      errors,
      async close() {
        await opened.close();
        await new Promise((resolve) => server.close(resolve));
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
}
