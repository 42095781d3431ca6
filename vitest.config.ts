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
    // expect.poll waits on state; its default of one second is shorter than a loaded machine takes to
    // relay an event through PostgreSQL and Socket.IO. A poll that never holds still fails, later.
    expect: { poll: { timeout: 30_000, interval: 50 } },
    // Server code logs JSON lines on stdout (info by default); tests show warnings and errors only.
    // Child processes inherit it: a test that reads a child's log lines sets LOG_LEVEL for it.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  },
});
