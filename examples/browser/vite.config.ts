import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  // Relative URLs, so the built page works from any folder or static server.
  base: './',
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Two pages: the single-image demo, and a batch explained in a pool of Web Workers.
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        pool: fileURLToPath(new URL('./pool.html', import.meta.url)),
      },
    },
  },
  // Module workers (the pool's workers use top-level await and share chunks with the page).
  worker: { format: 'es' },
});
