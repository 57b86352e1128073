// One vitest run over every package. Packages import each other by name; the
// alias points those names at the TypeScript sources so tests need no build.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const alias = [
  { find: /^@versionedfiles\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
];

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
          exclude: ['**/*.interop.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'interop',
          include: ['packages/*/test/**/*.interop.test.ts', 'bench/test/**/*.interop.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          globalSetup: ['test-fixtures/require-breezy.ts'],
        },
      },
    ],
  },
});
