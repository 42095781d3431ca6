import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/postgres-adapter';
import type pg from 'pg';
import type { DB } from '../db/client';
import { userIdFromRequest } from '../api/context';
import { listOrganizationsForUser } from '../services/orgs';
import { runOrgForMember } from '../services/runs';
import { listenForAccessChanges } from '../services/access-signal';
import { eventsSince } from '../services/events';
import { orgRoom, runRoom, type ClientToServerEvents, type ServerToClientEvents } from './events';

/** Run rooms one connection may hold at once (the UI holds one per open run page). */
export const MAX_RUN_ROOMS_PER_SOCKET = 32;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** One answer for a run that does not exist and one the caller may not see. */
const FORBIDDEN = 'forbidden';

type SocketData = { userId: string; orgIds: Set<string>; runs: Map<string, string> };
type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export type RealtimeOptions = {
  /**
   * Origins a browser may connect from (the public URL). A request carrying another `Origin` is
   * refused before the handshake, so a page elsewhere cannot use the visitor's cookie; clients
   * that send no Origin (not browsers) still need the session cookie.
   */
  allowedOrigins?: string[] | (() => string[]);
};

/**
 * The origins of the public URL: NEXTAUTH_URL, or http://localhost:PORT when it is unset — then
 * the other loopback names of that port too, since a local browser may use any of them.
 */
export function allowedOriginsFor(publicUrl: string): string[] {
  const u = new URL(publicUrl);
  const origins = [u.origin];
  if (u.hostname === 'localhost') {
    const port = u.port ? `:${u.port}` : '';
    origins.push(`${u.protocol}//127.0.0.1${port}`, `${u.protocol}//[::1]${port}`);
  }
  return origins;
}

/**
 * Socket.IO on the web server's HTTP server. A connection needs a valid session cookie (and, from
 * a browser, the server's own origin); it joins the rooms of the caller's organisations and, on
 * request, of runs in them — each subscription checked against `runs.org_id` and the membership as
 * it is now. Membership changes and revoked sessions reach every web process through Postgres
 * (`nightshift_access`) and re-authorise the person's sockets at once.
 */
export function attachRealtime(server: http.Server, db: DB, pool: pg.Pool, opts: RealtimeOptions = {}) {
  const allowedOrigins = opts.allowedOrigins;
  const isAllowed = (origin: string) => {
    if (!allowedOrigins) return true;
    const list = typeof allowedOrigins === 'function' ? allowedOrigins() : allowedOrigins;
    return list.some((o) => o.replace(/\/+$/, '') === origin);
  };
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
    path: '/socket.io',
    serveClient: false,
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      callback(null, origin === undefined || isAllowed(origin));
    },
  });
  io.adapter(createAdapter(pool));

  io.use(async (socket, next) => {
    const userId = await userIdFromRequest(socket.request);
    if (!userId) return next(new Error('unauthorized'));
    const orgs = await listOrganizationsForUser(db, userId);
    socket.data = { userId, orgIds: new Set(orgs.map((o) => o.id)), runs: new Map() };
    next();
  });

  /** Re-reads the session and memberships; leaves every room the user may no longer hear. */
  const reauthorize = async (socket: RealtimeSocket) => {
    const { userId } = socket.data;
    if ((await userIdFromRequest(socket.request)) !== userId) {
      socket.disconnect(true);
      return;
    }
    const orgs = await listOrganizationsForUser(db, userId);
    const orgIds = new Set(orgs.map((o) => o.id));
    for (const orgId of socket.data.orgIds) if (!orgIds.has(orgId)) socket.leave(orgRoom(orgId));
    for (const orgId of orgIds) if (!socket.data.orgIds.has(orgId)) void socket.join(orgRoom(orgId));
    for (const [runId, orgId] of socket.data.runs) {
      if (orgIds.has(orgId)) continue;
      socket.leave(runRoom(runId));
      socket.data.runs.delete(runId);
    }
    socket.data.orgIds = orgIds;
    socket.emit('access', { orgIds: [...orgIds], roles: Object.fromEntries(orgs.map((o) => [o.id, o.role])) });
  };
  const localSocketsOf = (userId?: string) => [...io.of('/').sockets.values()].filter((s) => s.data?.userId && (!userId || s.data.userId === userId));
  const reauthorizeAll = (userId?: string) => {
    for (const s of localSocketsOf(userId)) void reauthorize(s).catch(() => s.disconnect(true));
  };
  const listener = listenForAccessChanges(pool.options, {
    onChange: (change) => reauthorizeAll(change.userId),
    // Changes made while the listening connection was down were missed: check everyone again.
    onResync: () => reauthorizeAll(),
  });
  server.once('close', () => void listener.close());

  io.on('connection', (socket) => {
    for (const orgId of socket.data.orgIds) void socket.join(orgRoom(orgId));
    socket.on('run:subscribe', async (req, ack) => {
      if (typeof ack !== 'function') return;
      try {
        const runId = typeof req?.runId === 'string' && UUID.test(req.runId) ? req.runId : null;
        const afterSeq = typeof req?.afterSeq === 'string' && /^\d{1,19}$/.test(req.afterSeq) ? req.afterSeq : undefined;
        if (!runId) return ack({ ok: false, error: FORBIDDEN });
        if (!socket.data.runs.has(runId) && socket.data.runs.size >= MAX_RUN_ROOMS_PER_SOCKET) {
          return ack({ ok: false, error: `at most ${MAX_RUN_ROOMS_PER_SOCKET} runs per connection; unsubscribe from one first` });
        }
        // The session as it is now (a signed-out cookie no longer counts), then the run's owning
        // row and the membership as they are now: never a table derived from them.
        const userId = await userIdFromRequest(socket.request);
        if (userId !== socket.data.userId) {
          ack({ ok: false, error: 'unauthorized' });
          socket.disconnect(true);
          return;
        }
        const orgId = await runOrgForMember(db, { runId, userId });
        if (!orgId) return ack({ ok: false, error: FORBIDDEN });
        await socket.join(runRoom(runId));
        socket.data.runs.set(runId, orgId);
        // A re-authorisation that ran while this was being checked may have removed the org.
        if (!socket.data.orgIds.has(orgId)) {
          socket.data.runs.delete(runId);
          socket.leave(runRoom(runId));
          return ack({ ok: false, error: FORBIDDEN });
        }
        ack({ ok: true, events: await eventsSince(db, orgId, runId, afterSeq) });
      } catch {
        ack({ ok: false, error: 'the subscription failed; try again' });
      }
    });
    socket.on('run:unsubscribe', (req, ack) => {
      const runId = typeof req?.runId === 'string' ? req.runId : '';
      if (socket.data.runs.delete(runId)) socket.leave(runRoom(runId));
      if (typeof ack === 'function') ack({ ok: true });
    });
  });
  return io;
}
