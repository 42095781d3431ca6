import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { connected, sessionCookie, startApiServer, type ApiServer } from '../support/api-server';
import { createPublisher, type Publisher } from '../../server/realtime/publish';
import type { EventEnvelope } from '../../server/realtime/events';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec } from '../../server/services/specs';
import { acceptInvitation, createInvitation } from '../../server/services/members';
import { HttpClient } from '../support/http-client';

/**
 * Live events are an organisation's code (tool outputs carry file contents): a socket hears a run
 * only while its user is a member of the run's organisation, checked against `runs.org_id` and the
 * membership as it is *now*. Driven over the real server with two organisations.
 */
const SECRET = 'tool-output-with-A-source-9c1d';

let t: TestDatabase;
let api: ApiServer;
let publish: Publisher;
const A = { orgId: '', projectId: '', specId: '' };
let B = { orgId: '' };
const cookies = { alice: '', bob: '', carol: '' };
let carolId = '';
let aliceId = '';

type Access = { orgIds: string[]; roles: Record<string, string> };
type Client = { socket: Socket; events: EventEnvelope[]; access: Access[] };

async function open(cookie: string, origin?: string): Promise<Client> {
  const socket = api.socket({ cookie, ...(origin ? { origin } : {}) });
  const c: Client = { socket, events: [], access: [] };
  socket.on('event', (e) => c.events.push(e));
  socket.on('access', (a) => void c.access.push(a));
  await connected(socket);
  return c;
}

const subscribe = (c: Client, runId: string, afterSeq?: string) => c.socket.emitWithAck('run:subscribe', { runId, ...(afterSeq ? { afterSeq } : {}) });

async function newRunOfA(id?: string): Promise<string> {
  const row = await t.db
    .insertInto('runs')
    .values({ ...(id ? { id } : {}), org_id: A.orgId, project_id: A.projectId, spec_id: A.specId, status: 'queued', model: 'openai:fake' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A's event reaches the witness; a round trip on `other`'s own connection after that proves the
 * server would already have written the event to it (one connection delivers in order).
 */
async function afterDelivery(witness: Client, seq: string, other: Client) {
  await expect.poll(() => witness.events.some((e) => e.seq === seq)).toBe(true);
  await other.socket.emitWithAck('run:subscribe', { runId: randomUUID() });
}

beforeAll(async () => {
  t = await createTestDatabase('rtacc');
  const alice = await createUser(t.db, { name: 'Alice', email: 'alice@a.test', password: 'password-a1' });
  const bob = await createUser(t.db, { name: 'Bob', email: 'bob@b.test', password: 'password-b1' });
  const carol = await createUser(t.db, { name: 'Carol', email: 'carol@a.test', password: 'password-c1' });
  carolId = carol.id;
  aliceId = alice.id;
  const orgA = await createOrganization(t.db, { name: 'Alpha', ownerId: alice.id });
  B = { orgId: (await createOrganization(t.db, { name: 'Beta', ownerId: bob.id })).id };
  const scopeA = { orgId: orgA.id, userId: alice.id, role: 'owner' as const };
  const inv = await createInvitation(t.db, scopeA, { email: 'carol@a.test', role: 'member' });
  await acceptInvitation(t.db, { token: inv.token, userId: carol.id });
  const project = await createProject(t.db, scopeA, { name: 'app', repository: 'https://example.test/alpha/app.git' });
  const spec = await createSpec(t.db, scopeA, { projectId: project.id, title: 'Spec', markdown: '# Spec\n' });
  Object.assign(A, { orgId: orgA.id, projectId: project.id, specId: spec.id });
  cookies.alice = await sessionCookie(alice);
  cookies.bob = await sessionCookie(bob);
  cookies.carol = await sessionCookie(carol);
  api = await startApiServer(t);
  publish = createPublisher(t.db, t.pool);
});

afterAll(async () => {
  await api?.close();
  await t?.close();
});

describe('run subscriptions are checked against the run and the membership now', () => {
  it("a run with no events yet cannot be joined by another organisation's member", async () => {
    const runId = await newRunOfA();
    const alice = await open(cookies.alice);
    const bob = await open(cookies.bob);
    expect(await subscribe(alice, runId)).toEqual({ ok: true, events: [] });
    expect(await subscribe(bob, runId)).toMatchObject({ ok: false });

    const e = await publish(A.orgId, { type: 'agent.tool', runId, taskId: 't1', role: 'developer', turn: 1, callId: 'c1', toolName: 'read_file', args: {}, output: SECRET });
    await afterDelivery(alice, e.seq, bob);
    expect(bob.events.filter((x) => x.orgId === A.orgId)).toEqual([]);
    expect(await subscribe(bob, runId)).toMatchObject({ ok: false });
  });

  it('a run id that does not exist (yet) is refused, and stays silent once the run exists', async () => {
    const future = randomUUID();
    const alice = await open(cookies.alice);
    const bob = await open(cookies.bob);
    expect(await subscribe(bob, future)).toMatchObject({ ok: false });
    // Nobody learns from the answer whether a run exists: the refusal reads the same.
    const unknown = await subscribe(alice, randomUUID());
    expect(unknown).toEqual(await subscribe(bob, await newRunOfA()));

    await newRunOfA(future);
    expect(await subscribe(alice, future)).toEqual({ ok: true, events: [] });
    const e = await publish(A.orgId, { type: 'run.status', runId: future, status: 'failed', reason: SECRET });
    await afterDelivery(alice, e.seq, bob);
    expect(JSON.stringify(bob.events)).not.toContain(SECRET);
  });

  it('a removed member stops receiving at once and cannot subscribe again', async () => {
    const runId = await newRunOfA();
    const alice = await open(cookies.alice);
    const carol = await open(cookies.carol);
    expect(await subscribe(carol, runId)).toMatchObject({ ok: true });
    expect(await subscribe(alice, runId)).toMatchObject({ ok: true });
    const before = await publish(A.orgId, { type: 'run.status', runId, status: 'running' });
    await expect.poll(() => carol.events.map((e) => e.seq)).toContain(before.seq);

    const removed = await api.call('member.remove', { orgId: A.orgId, userId: carolId }, { cookie: cookies.alice });
    expect(removed.status).toBe(200);
    // No way back in through a subscription, nor through its history replay.
    expect(await subscribe(carol, runId)).toMatchObject({ ok: false });
    expect(await subscribe(carol, runId, '0')).toMatchObject({ ok: false });
    // The socket itself is re-authorised: it leaves the organisation's rooms and hears so.
    await expect.poll(() => carol.access.some((a) => a.orgIds.length === 0), { timeout: 10_000 }).toBe(true);

    const runEvent = await publish(A.orgId, { type: 'agent.tool', runId, taskId: 't1', role: 'developer', turn: 2, callId: 'c2', toolName: 'read_file', args: {}, output: SECRET });
    const orgEvent = await publish(A.orgId, { type: 'project.created', projectId: A.projectId, name: SECRET });
    await afterDelivery(alice, runEvent.seq, carol);
    await afterDelivery(alice, orgEvent.seq, carol);
    expect(JSON.stringify(carol.events)).not.toContain(SECRET);
    expect(await subscribe(carol, runId)).toMatchObject({ ok: false });
  });

  it("a role change re-authorises the member's sockets on every web process", async () => {
    const dave = await createUser(t.db, { name: 'Dave', email: 'dave@a.test', password: 'password-d1' });
    const inv = await createInvitation(t.db, { orgId: A.orgId, userId: aliceId, role: 'owner' }, { email: 'dave@a.test', role: 'member' });
    await acceptInvitation(t.db, { token: inv.token, userId: dave.id });
    const client = await open(await sessionCookie(dave));
    // A second web process on the same database: the change is announced through Postgres.
    const other = await startApiServer(t);
    try {
      const remote = other.socket({ cookie: await sessionCookie(dave) });
      const remoteAccess: Access[] = [];
      remote.on('access', (a) => void remoteAccess.push(a));
      await connected(remote);
      const demoted = await api.call('member.changeRole', { orgId: A.orgId, userId: dave.id, role: 'viewer' }, { cookie: cookies.alice });
      expect(demoted.status).toBe(200);
      const demotedIn = (list: Access[]) => list.some((a) => a.roles[A.orgId] === 'viewer' && a.orgIds.length === 1);
      await expect.poll(() => demotedIn(client.access), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => demotedIn(remoteAccess), { timeout: 10_000 }).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('connections', () => {
  it('signing out closes the sockets of that session at once', async () => {
    await createUser(t.db, { name: 'Erin', email: 'erin@a.test', password: 'password-e1' });
    const browser = new HttpClient(api.url);
    const savedUrl = process.env.NEXTAUTH_URL;
    try {
      process.env.NEXTAUTH_URL = api.url;
      expect((await browser.signIn('erin@a.test', 'password-e1')).ok).toBe(true);
      const erin = await open(browser.cookieHeader());
      let closed = '';
      erin.socket.on('disconnect', (reason) => (closed = reason));
      expect((await browser.signOut()).status).toBe(200);
      await expect.poll(() => closed, { timeout: 10_000 }).toBe('io server disconnect');
      // The same cookie, kept elsewhere, opens no new socket.
      const again = api.socket({ cookie: erin.socket.io.opts.extraHeaders!.cookie });
      await expect(connected(again)).rejects.toThrow('unauthorized');
    } finally {
      await browser.close();
      if (savedUrl === undefined) delete process.env.NEXTAUTH_URL;
      else process.env.NEXTAUTH_URL = savedUrl;
    }
  });

  it("a page on another origin cannot open a socket with the user's cookie", async () => {
    const foreign = api.socket({ cookie: cookies.alice, origin: 'http://127.0.0.1:1' });
    await expect(connected(foreign)).rejects.toThrow();
    const nullOrigin = api.socket({ cookie: cookies.alice, origin: 'null' });
    await expect(connected(nullOrigin)).rejects.toThrow();
    const own = await open(cookies.alice, api.url);
    expect(own.socket.connected).toBe(true);
  });

  it('one socket joins a bounded number of run rooms', async () => {
    const mod = (await import('../../server/realtime/io')) as { MAX_RUN_ROOMS_PER_SOCKET?: number };
    const cap = mod.MAX_RUN_ROOMS_PER_SOCKET ?? 0;
    const runs: string[] = [];
    for (let i = 0; i < 100; i++) runs.push(await newRunOfA());
    const alice = await open(cookies.alice);
    const answers = [];
    for (const runId of runs) answers.push(await subscribe(alice, runId));
    expect(cap).toBeGreaterThan(0);
    expect(answers.filter((a) => a.ok)).toHaveLength(cap);
    expect(answers.slice(cap).every((a) => !a.ok)).toBe(true);
    // Leaving a room makes space for another.
    await alice.socket.emitWithAck('run:unsubscribe', { runId: runs[0] });
    expect(await subscribe(alice, runs[cap])).toMatchObject({ ok: true });
  });
});
