import { defineConfig } from 'vitest/config';

// The end-to-end test drives the built page (dist/) in Debian's Chromium.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
});
