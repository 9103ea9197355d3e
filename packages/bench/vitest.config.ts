import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@xai-ts/source'] },
  ssr: { resolve: { conditions: ['@xai-ts/source'] } },
  test: { setupFiles: ['./test/setup.ts'], include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
