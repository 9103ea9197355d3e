import { fileURLToPath } from 'node:url';
import { exportsWithoutExample } from '@xai-ts/testing/tsdoc';
import { describe, expect, it } from 'vitest';

// Every export of the package's entries (the browser-safe one and the Node one) carries TSDoc with an @example.
const entries = ['../src/index.ts', '../src/node/index.ts'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);
const found = exportsWithoutExample(entries);

describe('the TSDoc', () => {
  it.each(entries.map((e, i) => [e.split('/src/')[1]!, i] as const))(
    'of every export of %s has an @example',
    (_, i) => {
      const { count, missing } = found[i]!;
      expect(count).toBeGreaterThan(3);
      expect(missing).toEqual([]);
    },
  );
});
