/**
 * The MCP settings router on a real database: admins configure servers (secrets write-only and
 * encrypted), projects choose servers and tools, a run loads exactly that and reaches a real
 * HTTP MCP server with it; every procedure, called by another organisation, leaks nothing.
 */
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { procedureInput, sampleFor } from '../../test/support/zod-sample';
import type { Context } from '../api/context';
import { mcpRouter } from '../api/routers/mcp';
import { createCallerFactory, type ProcedureMeta } from '../api/trpc';
import { createOrganization } from '../services/orgs';
import { createProject } from '../services/projects';
import { loadProjectMcpServers } from '../services/mcp-servers';
import { createUser } from '../services/users';
import { createMcpClientManager } from './client-manager';
import { startHttpFixtureServer, type HttpFixtureServer } from './testing/http-fixture-server';
import { errorCode, userContext } from '../../test/support/trpc';

const createCaller = createCallerFactory(mcpRouter);
type AnyProc = { _def: { inputs: unknown[]; meta?: ProcedureMeta; type: string } };

const TOKEN = 'fixture-token-value-1234';
const MARK = 'zeta-secret-marker';
let t: TestDatabase;
let fixture: HttpFixtureServer;
const ids: Record<string, string> = {};
const ctx = (userId: string): Context => userContext(t.db, userId);

const code = errorCode;

beforeAll(async () => {
  t = await createTestDatabase('mcprt');
  fixture = await startHttpFixtureServer(TOKEN);
  const owner = await createUser(t.db, { name: 'Owner', email: 'o@mcp-rt.test', password: 'password-123' });
  const member = await createUser(t.db, { name: 'Member', email: 'm@mcp-rt.test', password: 'password-123' });
  const outsider = await createUser(t.db, { name: 'Out', email: 'x@mcp-rt.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Alpha', ownerId: owner.id });
  const orgB = await createOrganization(t.db, { name: 'Beta', ownerId: outsider.id });
  await t.db.insertInto('memberships').values({ org_id: org.id, user_id: member.id, role: 'member' }).execute();
  const project = await createProject(t.db, { orgId: org.id, userId: owner.id, role: 'owner' }, { name: 'web', repository: 'https://example.test/web.git' });
  Object.assign(ids, { owner: owner.id, member: member.id, outsider: outsider.id, orgId: org.id, orgB: orgB.id, projectId: project.id });
});

afterAll(async () => {
  await fixture?.close();
  await t?.close();
});

describe('servers (admins)', () => {
  it('creates from a preset with write-only, encrypted secrets and reports missing ones', async () => {
    const api = createCaller(ctx(ids.owner!));
    const presets = await api.presets({ orgId: ids.orgId! });
    expect(presets.map((p) => p.id)).toEqual(['sentry', 'jira', 'slack', 'github']);
    const gh = await api.servers.create({ orgId: ids.orgId!, name: 'github', preset: 'github', secrets: { GITHUB_TOKEN: `ghp_${MARK}` } });
    expect(gh).toMatchObject({ preset: 'github', transport: 'http', secretNames: ['GITHUB_TOKEN'], missingSecrets: [] });
    expect(gh.config).toEqual(presets.find((p) => p.id === 'github')!.config);
    const sentry = await api.servers.create({ orgId: ids.orgId!, name: 'sentry', preset: 'sentry' });
    expect(sentry).toMatchObject({ secretNames: [], missingSecrets: ['SENTRY_TOKEN'], description: presets[0]!.description });
    const list = await api.servers.list({ orgId: ids.orgId! });
    expect(list.map((s) => s.name)).toEqual(['github', 'sentry']);
    expect(JSON.stringify(list)).not.toContain(MARK);
    const row = await t.db.selectFrom('mcp_servers').select('secret_ciphertext').where('id', '=', gh.id).executeTakeFirstOrThrow();
    expect(row.secret_ciphertext).toMatch(/^v1:/);
    expect(row.secret_ciphertext).not.toContain(MARK);
    expect(await code(api.servers.create({ orgId: ids.orgId!, name: 'github', preset: 'github' }))).toBe('CONFLICT');
    expect(await code(api.servers.create({ orgId: ids.orgId!, name: 'Bad Name!', preset: 'github' }))).toBe('BAD_REQUEST');
    expect(await code(api.servers.create({ orgId: ids.orgId!, name: 'empty' }))).toBe('BAD_REQUEST');
    // Removing a secret (null) makes it missing again.
    const updated = await api.servers.update({ orgId: ids.orgId!, serverId: gh.id, secrets: { GITHUB_TOKEN: null } });
    expect(updated).toMatchObject({ secretNames: [], missingSecrets: ['GITHUB_TOKEN'] });
    ids.github = gh.id;
  });

  it('tests a connection the way a run would', async () => {
    const api = createCaller(ctx(ids.owner!));
    const srv = await api.servers.create({
      orgId: ids.orgId!,
      name: 'fixture',
      description: 'Fixture tools over HTTP',
      config: { transport: 'http', url: fixture.url, headers: { Authorization: 'Bearer {{TOKEN}}' } },
      secrets: { TOKEN: TOKEN },
      timeoutMs: 5_000,
    });
    const ok = await api.servers.test({ orgId: ids.orgId!, serverId: srv.id });
    expect(ok.ok).toBe(true);
    expect(ok.ok && ok.tools).toContain('echo');
    await api.servers.update({ orgId: ids.orgId!, serverId: srv.id, secrets: { TOKEN: 'wrong' } });
    const bad = await api.servers.test({ orgId: ids.orgId!, serverId: srv.id });
    expect(bad).toMatchObject({ ok: false });
    expect(!bad.ok && bad.error).toContain('HTTP 401');
    await api.servers.update({ orgId: ids.orgId!, serverId: srv.id, secrets: { TOKEN: TOKEN } });
    ids.fixture = srv.id;
  });

  it('keeps members out of server settings', async () => {
    const member = createCaller(ctx(ids.member!));
    expect(await code(member.servers.list({ orgId: ids.orgId! }))).toBe('FORBIDDEN');
    expect(await code(member.servers.create({ orgId: ids.orgId!, name: 'mine', preset: 'slack' }))).toBe('FORBIDDEN');
    expect(await code(member.servers.test({ orgId: ids.orgId!, serverId: ids.fixture! }))).toBe('FORBIDDEN');
  });
});

describe('project access', () => {
  it('lets a member choose servers and tools, and a run loads exactly that', async () => {
    const member = createCaller(ctx(ids.member!));
    const initial = await member.projectAccess.get({ orgId: ids.orgId!, projectId: ids.projectId! });
    expect(initial.map((s) => [s.name, s.enabled])).toEqual([['fixture', false], ['github', false], ['sentry', false]]);
    expect(await loadProjectMcpServers(t.db, ids.orgId!, ids.projectId!)).toEqual([]);

    const after = await member.projectAccess.set({ orgId: ids.orgId!, projectId: ids.projectId!, serverId: ids.fixture!, enabled: true, tools: ['echo', 'report'] });
    expect(after.find((s) => s.name === 'fixture')).toMatchObject({ enabled: true, tools: ['echo', 'report'] });

    const entries = await loadProjectMcpServers(t.db, ids.orgId!, ids.projectId!);
    expect(entries).toEqual([
      {
        name: 'fixture',
        description: 'Fixture tools over HTTP',
        config: { transport: 'http', url: fixture.url, headers: { Authorization: 'Bearer {{TOKEN}}' } },
        secrets: { TOKEN: TOKEN },
        allowedTools: ['echo', 'report'],
        timeoutMs: 5_000,
      },
    ]);
    const mcp = createMcpClientManager(entries);
    try {
      const listed = await mcp.listTools('fixture');
      expect(listed.ok && listed.value.map((x) => x.name)).toEqual(['echo', 'report']);
      expect(await mcp.callTool('fixture', 'echo', { text: 'via the database' })).toMatchObject({ ok: true, value: { output: 'http echo: via the database', isError: false } });
    } finally {
      await mcp.close();
    }

    // A disabled server is not offered to runs; turning the project off removes it too.
    const owner = createCaller(ctx(ids.owner!));
    await owner.servers.update({ orgId: ids.orgId!, serverId: ids.fixture!, enabled: false });
    expect(await loadProjectMcpServers(t.db, ids.orgId!, ids.projectId!)).toEqual([]);
    await owner.servers.update({ orgId: ids.orgId!, serverId: ids.fixture!, enabled: true });
    await member.projectAccess.set({ orgId: ids.orgId!, projectId: ids.projectId!, serverId: ids.fixture!, enabled: false });
    expect(await loadProjectMcpServers(t.db, ids.orgId!, ids.projectId!)).toEqual([]);
    await member.projectAccess.set({ orgId: ids.orgId!, projectId: ids.projectId!, serverId: ids.fixture!, enabled: true, tools: null });
    expect((await loadProjectMcpServers(t.db, ids.orgId!, ids.projectId!))[0]!.allowedTools).toBeNull();
  });
});

describe('tenant isolation over the MCP router', () => {
  async function snapshot() {
    const servers = await t.db.selectFrom('mcp_servers').selectAll().where('org_id', '=', ids.orgId!).orderBy('id').execute();
    const access = await t.db.selectFrom('project_mcp_servers').selectAll().where('org_id', '=', ids.orgId!).orderBy('server_id').execute();
    return JSON.stringify([servers, access]);
  }

  it('a member of another organisation cannot read or change anything through any procedure', async () => {
    const before = await snapshot();
    const outsider = ctx(ids.outsider!);
    const procedures = Object.entries((mcpRouter as unknown as { _def: { procedures: Record<string, AnyProc> } })._def.procedures);
    expect(procedures.length).toBe(8);
    const idsOfA = { orgId: ids.orgId!, projectId: ids.projectId!, serverId: ids.fixture! };
    const secretsOfA = [ids.fixture!, ids.github!, TOKEN, fixture.url];
    for (const [path, proc] of procedures) {
      expect(proc._def.meta?.scope, path).toBe('org');
      const schema = procedureInput(proc)!;
      let fn: any = createCaller(outsider);
      for (const seg of path.split('.')) fn = fn[seg];
      // With A's organisation id: refused by membership.
      expect(await code(fn(sampleFor(schema, idsOfA))), path).toBe('FORBIDDEN');
      // With the outsider's own organisation but A's object ids: not found, or nothing of A.
      try {
        const data = await fn(sampleFor(schema, { ...idsOfA, orgId: ids.orgB! }));
        const text = JSON.stringify(data);
        for (const s of secretsOfA) expect(text, `${path} leaked`).not.toContain(s);
      } catch (err) {
        expect(err, path).toBeInstanceOf(TRPCError);
        expect(['NOT_FOUND', 'BAD_REQUEST', 'CONFLICT'], `${path}: ${(err as TRPCError).code}`).toContain((err as TRPCError).code);
      }
    }
    expect(await snapshot()).toBe(before);
  });

  it('an anonymous caller is refused everywhere', async () => {
    const anon: Context = { db: t.db, userId: null, apiToken: null, ip: null };
    expect(await code(createCaller(anon).servers.list({ orgId: ids.orgId! }))).toBe('UNAUTHORIZED');
    expect(await code(createCaller(anon).projectAccess.get({ orgId: ids.orgId!, projectId: ids.projectId! }))).toBe('UNAUTHORIZED');
  });
});
