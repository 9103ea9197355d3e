import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@xai-ts/source'] },
  ssr: { resolve: { conditions: ['@xai-ts/source'] } },
  test: {
    setupFiles: ['./test/setup.ts'],
    globalSetup: ['./test/build-dist.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
