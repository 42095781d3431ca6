import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { encode } from 'next-auth/jwt';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createDb } from '../../server/db/client';
import { attachRealtime } from '../../server/realtime/io';
import { createPublisher } from '../../server/realtime/publish';
import type { EventEnvelope } from '../../server/realtime/events';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec } from '../../server/services/specs';
import type { DB } from '../../server/db/client';

/**
 * Events published by any process (here: a separate pool standing in for a worker process) reach
 * browsers connected to the web process through Postgres; sockets need a session cookie.
 */
let t: TestDatabase;
let server: http.Server;
let io: ReturnType<typeof attachRealtime>;
let url: string;
let orgId: string;
let otherOrgId: string;
let cookie: string;
let runId: string;
let otherRunId: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await createTestDatabase('rt');
  const u = await createUser(t.db, { name: 'Watcher', email: 'watch@example.com', password: 'watching-1' });
  const stranger = await createUser(t.db, { name: 'Other', email: 'other@example.com', password: 'watching-2' });
  orgId = (await createOrganization(t.db, { name: 'Watched', ownerId: u.id })).id;
  otherOrgId = (await createOrganization(t.db, { name: 'Elsewhere', ownerId: stranger.id })).id;
  runId = await aRun(t.db, orgId, u.id);
  otherRunId = await aRun(t.db, otherOrgId, stranger.id);
  const jwt = await encode({ token: { uid: u.id, email: u.email }, secret: process.env.NEXTAUTH_SECRET! });
  cookie = `next-auth.session-token=${jwt}`;
  server = http.createServer();
  io = attachRealtime(server, t.db, t.pool);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await new Promise((r) => io.close(r));
  await t?.close();
});

/** A run row of the organisation (subscriptions are checked against runs.org_id). */
async function aRun(db: DB, org: string, userId: string): Promise<string> {
  const scope = { orgId: org, userId, role: 'owner' as const };
  const project = await createProject(db, scope, { name: 'app', repository: 'https://example.test/app.git' });
  const spec = await createSpec(db, scope, { projectId: project.id, title: 'Spec', markdown: '# Spec\n' });
  const run = await db.insertInto('runs').values({ org_id: org, project_id: project.id, spec_id: spec.id, model: 'openai:fake' }).returning('id').executeTakeFirstOrThrow();
  return run.id;
}

function open(headers: Record<string, string>): Socket {
  const s = connect(url, { transports: ['websocket'], extraHeaders: headers, reconnection: false });
  sockets.push(s);
  return s;
}

describe('realtime', () => {
  it('rejects a connection without a session', async () => {
    const s = open({});
    const err = await new Promise<Error>((resolve) => s.on('connect_error', resolve));
    expect(err.message).toBe('unauthorized');
  });

  it("delivers another process's events to the org room, and replays a run's missed events", async () => {
    const s = open({ cookie });
    await new Promise<void>((resolve, reject) => {
      s.on('connect', () => resolve());
      s.on('connect_error', reject);
    });
    const received: EventEnvelope[] = [];
    s.on('event', (e) => received.push(e));

    const worker = createDb(t.url, { max: 2 });
    const publish = createPublisher(worker.db, worker.pool);
    const first = await publish(orgId, { type: 'run.status', runId, status: 'running' });
    await publish(otherOrgId, { type: 'run.status', runId: otherRunId, status: 'failed', reason: 'secret' });
    const second = await publish(orgId, { type: 'task.status', runId, taskId: 't1', status: 'succeeded' });
    await expect.poll(() => received.map((e) => e.seq)).toEqual([first.seq, second.seq]);
    expect(received[0]).toMatchObject({ type: 'run.status', status: 'running', orgId });
    expect(received.some((e) => e.orgId === otherOrgId)).toBe(false);

    const replay = await s.emitWithAck('run:subscribe', { runId, afterSeq: first.seq });
    expect(replay.ok && replay.events.map((e: EventEnvelope) => e.seq)).toEqual([second.seq]);
    const denied = await s.emitWithAck('run:subscribe', { runId: otherRunId });
    expect(denied).toEqual({ ok: false, error: 'forbidden' });
    await worker.db.destroy();
  });
});
