import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `@/…` imports resolve from the repository root (tsconfig paths), as in tsx, Next and the CLI.
  resolve: { tsconfigPaths: true },
  test: {
    include: ['server/**/*.test.ts', 'jobs/**/*.test.ts', 'test/**/*.test.ts', 'sandbox/**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**', '.next/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
