import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestDatabase } from './db';
import { createRequestListener } from '../../server/http/server';
import { migrationState } from '../../server/db/migrate';
import type { DatabaseRuntime } from '../../server/boot';
import { attachRealtime } from '../../server/realtime/io';

/**
 * The web server's own request handling (security headers, /api/auth, /api/trpc, …) and Socket.IO on a free
 * port of 127.0.0.1, with a 404 where Next.js would serve pages — so tests drive it over HTTP
 * without a Next build. NEXTAUTH_URL points at it.
 */
export async function startTestApp(t: TestDatabase): Promise<{ base: string; close(): Promise<void> }> {
  const rt: DatabaseRuntime = { db: t.db, pool: t.pool, url: t.url, mode: 'external', migrations: await migrationState(t.db), close: async () => {} };
  const server = http.createServer(createRequestListener({ rt, jobs: null, log: () => {} }, (_req, res) => res.writeHead(404).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.NEXTAUTH_URL = base;
  const io = attachRealtime(server, t.db, t.pool, { allowedOrigins: [base] });
  return {
    base,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        // Closes the HTTP server too.
        io.close(() => r());
      }),
  };
}
