import { defineConfig } from 'vitest/config';

// The tests run the compiled scripts with `node`, as a user would after `pnpm build`.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
});
