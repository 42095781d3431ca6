import type http from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/postgres-adapter';
import type pg from 'pg';
import type { DB } from '../db/client';
import { userIdFromRequest } from '../api/context';
import { listOrganizationsForUser } from '../services/orgs';
import { eventsSince } from './publish';
import { orgRoom, runRoom, type ClientToServerEvents, type ServerToClientEvents } from './events';

type SocketData = { userId: string; orgIds: string[] };

/**
 * Socket.IO on the web server's HTTP server. A connection is accepted only with a valid session
 * cookie; it joins the rooms of the caller's organisations and, on request, of runs in them.
 */
export function attachRealtime(server: http.Server, db: DB, pool: pg.Pool) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
    path: '/socket.io',
    serveClient: false,
  });
  io.adapter(createAdapter(pool));

  io.use(async (socket, next) => {
    const userId = await userIdFromRequest(socket.request);
    if (!userId) return next(new Error('unauthorized'));
    const orgs = await listOrganizationsForUser(db, userId);
    socket.data = { userId, orgIds: orgs.map((o) => o.id) };
    next();
  });

  io.on('connection', (socket) => {
    for (const orgId of socket.data.orgIds) void socket.join(orgRoom(orgId));
    socket.on('run:subscribe', async (req, ack) => {
      if (typeof ack !== 'function') return;
      try {
        const run = await db
          .selectFrom('events')
          .select('org_id')
          .where('run_id', '=', req.runId)
          .limit(1)
          .executeTakeFirst();
        const orgId = run?.org_id ?? null;
        if (orgId && !socket.data.orgIds.includes(orgId)) return ack({ ok: false, error: 'forbidden' });
        await socket.join(runRoom(req.runId));
        ack({ ok: true, events: orgId ? await eventsSince(db, orgId, req.runId, req.afterSeq) : [] });
      } catch (err) {
        ack({ ok: false, error: (err as Error).message });
      }
    });
  });
  return io;
}
