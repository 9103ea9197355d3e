import { defineConfig } from 'vitest/config';

// The end-to-end tests drive the built pages (dist/) in Debian's Chromium, one file at a time (each starts a
// browser whose workers need the machine's cores).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
