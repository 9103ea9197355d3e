import { defineConfig } from 'vite';

export default defineConfig({
  // Relative URLs, so the built page works from any folder or static server.
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
