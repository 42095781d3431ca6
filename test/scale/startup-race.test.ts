import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDb, type DB } from '../../server/db/client';
import { freePort, getJson, sharedKeys, spawnNightshift, startStandalonePostgres, waitFor, type Proc, type Standalone } from './processes';

/**
 * A Kubernetes rollout starts every replica at once: three web processes (`nightshift start`,
 * API only: no Next build needed here) and three `nightshift worker` processes, all at the same
 * instant on one external PostgreSQL — first an empty database (every process races to migrate
 * and to create pg-boss's queues), then again on the database they left behind. Every process must
 * come up healthy; none may crash ("deadlock detected" in pg-boss createQueue before the start-up
 * lock).
 *
 * Processes load at different speeds on a busy machine, which would spread their start-up out and
 * hide the race. So the database refuses connections (ALLOW_CONNECTIONS false, as while it starts)
 * until all six are waiting for it, then opens: they reach it within milliseconds of each other.
 */
const WEB = 3;
const WORKERS = 3;

let pgs: Standalone;
let db: DB;
const keys = sharedKeys();
const dirs: string[] = [];
const procs: Proc[] = [];

beforeAll(async () => {
  pgs = await startStandalonePostgres();
  db = createDb(pgs.url).db;
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await db?.destroy().catch(() => {});
  await pgs?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Starts WEB + WORKERS processes at once; resolves when every one is healthy, fails naming a crashed one. */
async function admin(statement: string) {
  const u = new URL(pgs.url);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

async function startAll(round: string): Promise<{ web: Array<Proc & { port: number }>; workers: Proc[] }> {
  await db.destroy();
  await admin(`alter database nightshift allow_connections false`);
  const ports = await Promise.all(Array.from({ length: WEB }, () => freePort()));
  const common = (name: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nightshift-race-${name}-`));
    dirs.push(dir);
    return { ...keys, DATABASE_URL: pgs.url, NIGHTSHIFT_DATA_DIR: dir, SANDBOX_DRIVER: 'bwrap', LOG_LEVEL: 'info' };
  };
  const web = ports.map((port, i) => {
    const name = `${round}-web${i}`;
    return Object.assign(spawnNightshift(name, ['start', '--api-only'], { ...common(name), PORT: String(port), NIGHTSHIFT_WORKERS: '0' }), { port });
  });
  const workers = Array.from({ length: WORKERS }, (_, i) => {
    const name = `${round}-worker${i}`;
    return spawnNightshift(name, ['worker'], common(name));
  });
  procs.push(...web, ...workers);
  const all = [...web, ...workers];

  // Any process exiting during start-up fails the test with its output.
  const crashed = Promise.race(
    all.map((p) =>
      p.exited.then(({ code, signal }) => {
        throw new Error(`${p.name} exited (${code ?? signal}) during start-up:\n${p.lines.slice(-30).join('\n')}`);
      }),
    ),
  );
  // The gate: everyone waits for the database, then it opens for all at once.
  await Promise.race([Promise.all(all.map((p) => p.waitForLine(/waiting for the database/))), crashed]);
  await admin(`alter database nightshift allow_connections true`);
  const last = new Map<string, unknown>();
  const healthy = Promise.all([
    ...web.map((p) =>
      waitFor(`${p.name} to answer /api/health with 200`, async () => {
        const r = await getJson(`http://127.0.0.1:${p.port}/api/health`);
        last.set(p.name, r);
        return r?.status === 200 && r.body?.ok === true;
      }, 240_000, 250).catch((err) => {
        throw new Error(`${(err as Error).message}; last answer ${JSON.stringify(last.get(p.name))}; output:\n${p.lines.slice(-30).join('\n')}`);
      }),
    ),
    ...workers.map((p) => p.waitForLine(/worker \S+ started/)),
  ]);
  await Promise.race([healthy, crashed]);
  db = createDb(pgs.url).db;
  return { web, workers };
}

async function stopAll(ps: Proc[]) {
  const ends = await Promise.all(ps.map((p) => p.stop('SIGTERM')));
  return ends.map((e, i) => ({ name: ps[i].name, code: e.code }));
}

describe('concurrent start-up', () => {
  it(`${WEB} web and ${WORKERS} worker processes started at once on an empty database, then on the existing one, all become healthy`, async () => {
    for (const round of ['empty', 'existing']) {
      const { web, workers } = await startAll(round);
      // Every worker announced itself on the shared database, and every process is still up.
      const beats = await waitFor(`${round}: the workers' heartbeats`, async () => {
        const rows = await db.selectFrom('worker_heartbeats').select(['worker_id']).where('last_beat_at', '>', new Date(Date.now() - 120_000)).execute();
        return rows.length >= WORKERS * (round === 'empty' ? 1 : 2) ? rows : undefined;
      });
      expect(beats.length).toBeGreaterThanOrEqual(WORKERS);
      for (const p of [...web, ...workers]) expect(p.alive(), `${p.name} alive`).toBe(true);
      for (const p of [...web, ...workers]) expect(p.lines.join('\n')).not.toMatch(/deadlock detected|start-up failed/);

      // The schema is migrated once: every migration recorded exactly once.
      const migrations = await db.selectFrom('kysely_migration' as never).select('name' as never).execute();
      const names = (migrations as Array<{ name: string }>).map((m) => m.name);
      expect(new Set(names).size).toBe(names.length);

      expect(await stopAll([...web, ...workers])).toEqual([...web, ...workers].map((p) => ({ name: p.name, code: 0 })));
    }
  }, 600_000);
});
