import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from 'next-auth/jwt';
import { io as connect, type Socket } from 'socket.io-client';
import type { TestDatabase } from './db';
import type { DatabaseRuntime } from '../../server/boot';
import { createRequestListener } from '../../server/http/server';
import { migrationState } from '../../server/db/migrate';
import { attachRealtime } from '../../server/realtime/io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../server/realtime/events';

export type ApiServer = {
  url: string;
  server: http.Server;
  /** tRPC over HTTP: a mutation (POST) or a query (GET), as the browser's client sends them. */
  call(procedure: string, input: unknown, opts?: { cookie?: string; query?: boolean }): Promise<{ status: number; data: any; message: string | null }>;
  /** A Socket.IO client with the given headers (cookie, origin). */
  socket(headers: Record<string, string>): Socket<ServerToClientEvents, ClientToServerEvents>;
  close(): Promise<void>;
};

/**
 * The server's own routes (health, auth, tRPC, webhooks, MCP) and Socket.IO on one HTTP server, as
 * `nightshift start` serves them minus the Next.js pages, on a free port.
 */
export async function startApiServer(t: TestDatabase, opts: { origins?: string[] } = {}): Promise<ApiServer> {
  const rt: DatabaseRuntime = { db: t.db, pool: t.pool, url: t.url, mode: 'external', migrations: await migrationState(t.db), close: async () => {} };
  const server = http.createServer(createRequestListener({ rt, jobs: null, log: () => {} }, (_req, res) => res.writeHead(404).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Browsers may connect only from the server's own public origin.
  const io = attachRealtime(server, t.db, t.pool, { allowedOrigins: opts.origins ?? [url] });
  const sockets: Socket[] = [];
  return {
    url,
    server,
    async call(procedure, input, o = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (o.cookie) headers.cookie = o.cookie;
      const body = JSON.stringify({ json: input });
      const res = o.query
        ? await fetch(`${url}/api/trpc/${procedure}?input=${encodeURIComponent(body)}`, { headers })
        : await fetch(`${url}/api/trpc/${procedure}`, { method: 'POST', headers, body });
      const json = (await res.json()) as { result?: { data?: { json?: unknown } }; error?: { json?: { message?: string } } };
      return { status: res.status, data: json.result?.data?.json, message: json.error?.json?.message ?? null };
    },
    socket(headers) {
      const s = connect(url, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true });
      sockets.push(s);
      return s;
    },
    async close() {
      for (const s of sockets) s.close();
      server.closeAllConnections();
      // Closes the HTTP server too.
      await new Promise((r) => io.close(r));
    },
  };
}

/** The session cookie next-auth sets after sign-in (a JWT signed with NEXTAUTH_SECRET). */
export async function sessionCookie(user: { id: string; email: string }): Promise<string> {
  const jwt = await encode({ token: { uid: user.id, email: user.email }, secret: process.env.NEXTAUTH_SECRET! });
  return `next-auth.session-token=${jwt}`;
}

/** Resolves on `connect`, rejects with the server's refusal on `connect_error`. */
export function connected(s: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.connected) return resolve();
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
}
