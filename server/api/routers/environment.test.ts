import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory } from '../trpc';
import { environmentRouter } from './environment';
import { secretRouter } from './settings';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { errorCode, errorMessage as message, userContext } from '../../../test/support/trpc';
import { createUser } from '../../services/users';
import { createOrganization } from '../../services/orgs';
import { recordEnvSetup } from '../../services/env-setups';
import { loadEnvSetupInputs } from '../../services/env-settings';

const createCaller = createCallerFactory(environmentRouter);
let t: TestDatabase;
const ids: Record<string, string> = {};
const api = (userId: string) => createCaller(userContext(t.db, userId));

beforeAll(async () => {
  t = await createTestDatabase('envrouter');
  const owner = await createUser(t.db, { name: 'Owner', email: 'o@env.test', password: 'password-123' });
  const member = await createUser(t.db, { name: 'Mem', email: 'm@env.test', password: 'password-123' });
  const viewer = await createUser(t.db, { name: 'View', email: 'v@env.test', password: 'password-123' });
  const stranger = await createUser(t.db, { name: 'Other', email: 'x@env.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Env Org', ownerId: owner.id });
  const other = await createOrganization(t.db, { name: 'Other Org', ownerId: stranger.id });
  await t.db.insertInto('memberships').values([{ org_id: org.id, user_id: member.id, role: 'member' }, { org_id: org.id, user_id: viewer.id, role: 'viewer' }]).execute();
  await t.db.updateTable('organizations').set({ settings: JSON.stringify({ specThreshold: 60 }) }).where('id', '=', org.id).execute();
  const p = await t.db.insertInto('projects').values({ org_id: org.id, name: 'web', repository: '/tmp/none', settings: JSON.stringify({ webTest: { startCommand: 'npm start', url: 'http://127.0.0.1:3000/' } }) }).returning('id').executeTakeFirstOrThrow();
  Object.assign(ids, { owner: owner.id, member: member.id, viewer: viewer.id, stranger: stranger.id, orgId: org.id, otherOrg: other.id, projectId: p.id });
});
afterAll(async () => t?.close());

describe('environment router', () => {
  it('keeps an organisation\'s registries: allow-list, mirrors, and tokens bound to reachable hosts only', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    const empty = await owner.registries({ orgId });
    expect(empty).toMatchObject({ extra: [], replaceDefaults: false, urls: {}, tokens: [] });
    expect(empty.defaults).toContain('registry.npmjs.org');

    // Bad input is refused with what is wrong, and nothing is saved.
    expect(await message(owner.setRegistries({ orgId, extra: ['not a host!'], replaceDefaults: false, urls: {}, tokens: [] }))).toMatch(/not a valid host name|is not a host/);
    expect(await message(owner.setRegistries({ orgId, extra: [], replaceDefaults: false, urls: {}, tokens: [{ host: 'npm.corp.example', secret: 'NPM_TOKEN' }] }))).toMatch(/npm\.corp\.example, which setup may not reach/);
    expect(await message(owner.setRegistries({ orgId, extra: [], replaceDefaults: false, urls: { npm: 'ftp://x' }, tokens: [] }))).toMatch(/http\(s\) URL/);
    expect(await errorCode(owner.setRegistries({ orgId, extra: [], replaceDefaults: false, urls: {}, tokens: [{ host: 'registry.npmjs.org', secret: 'lower-case' }] }))).toBe('BAD_REQUEST');
    expect((await owner.registries({ orgId })).extra).toEqual([]);

    const saved = await owner.setRegistries({
      orgId,
      extra: ['npm.corp.example', '*.pkg.corp.example'],
      replaceDefaults: false,
      urls: { pip: 'https://pypi.mirror.example/simple/' },
      tokens: [{ host: 'npm.corp.example', secret: 'NPM_TOKEN' }, { host: 'pypi.mirror.example', secret: 'PIP_TOKEN' }],
    });
    expect(saved.tokens).toEqual([
      { host: 'npm.corp.example', secret: 'NPM_TOKEN', secretSet: false },
      { host: 'pypi.mirror.example', secret: 'PIP_TOKEN', secretSet: false },
    ]);
    // Other organisation settings stay.
    const org = await t.db.selectFrom('organizations').select('settings').where('id', '=', orgId).executeTakeFirstOrThrow();
    expect(org.settings).toMatchObject({ specThreshold: 60, registries: { extra: ['npm.corp.example', '*.pkg.corp.example'] } });

    // The token's value lives in the secret store only; the settings name it.
    await createCallerFactory(secretRouter)(userContext(t.db, ids.owner!)).set({ orgId, name: 'NPM_TOKEN', value: 'npm_s3cr3t_value' });
    const listed = await api(ids.member!).registries({ orgId });
    expect(listed.tokens[0]).toEqual({ host: 'npm.corp.example', secret: 'NPM_TOKEN', secretSet: true });
    expect(JSON.stringify(listed)).not.toContain('npm_s3cr3t_value');
    // Server-side, the setup gets the value for its host and a note about the missing one.
    const inputs = await loadEnvSetupInputs(t.db, orgId, ids.projectId!);
    expect(inputs.tokens).toEqual([{ host: 'npm.corp.example', token: 'npm_s3cr3t_value' }]);
    expect(inputs.notes.join('\n')).toMatch(/PIP_TOKEN for pypi\.mirror\.example is not set/);
    expect(inputs.registries).toEqual({ extra: ['npm.corp.example', '*.pkg.corp.example'], replaceDefaults: false, urls: { pip: 'https://pypi.mirror.example/simple/' } });

    // Only admins change them.
    expect(await errorCode(api(ids.member!).setRegistries({ orgId, extra: [], replaceDefaults: true, urls: {}, tokens: [] }))).toBe('FORBIDDEN');
  });

  it('keeps a project\'s setup command and cache paths beside its other settings', async () => {
    const member = api(ids.member!);
    const orgId = ids.orgId!;
    const projectId = ids.projectId!;
    expect((await member.project({ orgId, projectId })).settings).toEqual({ setupCommand: null, cachePaths: [] });
    expect(await message(member.setProjectSettings({ orgId, projectId, setupCommand: 'make deps', cachePaths: ['../outside'] }))).toMatch(/inside the repository/);
    const saved = await member.setProjectSettings({ orgId, projectId, setupCommand: '  make deps  ', cachePaths: ['vendor/bundle'] });
    expect(saved).toEqual({ setupCommand: 'make deps', cachePaths: ['vendor/bundle'] });
    const row = await t.db.selectFrom('projects').select('settings').where('id', '=', projectId).executeTakeFirstOrThrow();
    expect(row.settings).toMatchObject({ webTest: { startCommand: 'npm start' }, env: { setupCommand: 'make deps', cachePaths: ['vendor/bundle'] } });
    expect((await loadEnvSetupInputs(t.db, orgId, projectId)).settings).toEqual({ setupCommand: 'make deps', cachePaths: ['vendor/bundle'] });
    // Blank goes back to detection.
    expect(await member.setProjectSettings({ orgId, projectId, setupCommand: ' ', cachePaths: [] })).toEqual({ setupCommand: null, cachePaths: [] });
    expect(await errorCode(api(ids.viewer!).setProjectSettings({ orgId, projectId, setupCommand: 'x', cachePaths: [] }))).toBe('FORBIDDEN');
  });

  it('shows the environment card: latest setup, last install, failure with its log, toolchain; never another organisation\'s', async () => {
    const orgId = ids.orgId!;
    const projectId = ids.projectId!;
    const toolchain = [{ tool: 'node', wanted: '22', source: '.nvmrc', kind: 'version', have: '20.20.2', ok: false, message: 'project wants Node 22 (.nvmrc), the sandbox has 20.20.2' }];
    const base = { source: 'detected', stacks: ['npm'], command: 'npm ci --no-audit --no-fund', cacheKey: 'k1', durationMs: 8000, sizeBytes: 2048, toolchain, log: 'added 1 package' };
    await recordEnvSetup(t.db, { orgId, projectId, result: { ...base, status: 'ready', cached: false } });
    await recordEnvSetup(t.db, { orgId, projectId, result: { ...base, status: 'failed', cached: false, cacheKey: 'k2', sizeBytes: null, error: '`npm ci` exited with 1\nnpm error E404', log: 'npm error 404 Not Found - GET /ms/-/ms-9.9.9.tgz' } });
    const view = await api(ids.viewer!).project({ orgId, projectId });
    expect(view.latest).toMatchObject({ status: 'failed', command: 'npm ci --no-audit --no-fund' });
    expect(view.lastInstall).toMatchObject({ status: 'ready', cached: false, durationMs: 8000, sizeBytes: 2048 });
    expect(view.failure).toMatchObject({ error: expect.stringContaining('E404'), log: expect.stringContaining('ms-9.9.9.tgz') });
    expect(view.toolchain).toEqual([expect.objectContaining({ tool: 'node', ok: false, message: 'project wants Node 22 (.nvmrc), the sandbox has 20.20.2' })]);
    expect(view.cacheBytes).toBe(0);
    await recordEnvSetup(t.db, { orgId, projectId, result: { ...base, status: 'ready', cached: true, durationMs: 30 } });
    const after = await api(ids.viewer!).project({ orgId, projectId });
    expect(after.latest).toMatchObject({ status: 'ready', cached: true });
    expect(after.failure).toBeNull();

    // Another organisation's member sees nothing of it, under either organisation id.
    expect(await errorCode(api(ids.stranger!).project({ orgId: ids.otherOrg!, projectId }))).toBe('NOT_FOUND');
    expect(await errorCode(api(ids.stranger!).project({ orgId, projectId }))).toBe('FORBIDDEN');
    expect(await errorCode(api(ids.stranger!).setUpNow({ orgId: ids.otherOrg!, projectId }))).toBe('NOT_FOUND');
    expect(await errorCode(api(ids.viewer!).setUpNow({ orgId, projectId }))).toBe('FORBIDDEN');
  });
});
