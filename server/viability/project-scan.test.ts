import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory } from '../api/trpc';
import { appRouter } from '../api/router';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { errorCode, userContext } from '../../test/support/trpc';
import { createUser } from '../services/users';
import { createOrganization } from '../services/orgs';
import { createProject } from '../services/projects';
import { scoreSpec } from '../specs/score';

/** The project page's Patterns section over tRPC: scan a real git repository, edit, clean up. */
const FIXTURE = path.join(__dirname, '../../test/fixtures/viability/repo');
const createCaller = createCallerFactory(appRouter);
let t: TestDatabase;
let dir: string;
let caller: ReturnType<typeof createCaller>;
let viewer: ReturnType<typeof createCaller>;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  t = await createTestDatabase('vproj');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-viability-'));
  process.env.NIGHTSHIFT_DATA_DIR = path.join(dir, 'data');
  const repo = path.join(dir, 'repo');
  fs.cpSync(FIXTURE, repo, { recursive: true });
  fs.writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'shop', scripts: { test: 'node --test' } }));
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...a], { cwd: repo });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'init');
  const u = await createUser(t.db, { name: 'Pat', email: 'pat@example.test', password: 'patterns-1' });
  const v = await createUser(t.db, { name: 'Vic', email: 'vic@example.test', password: 'patterns-2' });
  const org = await createOrganization(t.db, { name: 'Viability', ownerId: u.id });
  orgId = org.id;
  await t.db.insertInto('memberships').values({ org_id: org.id, user_id: v.id, role: 'viewer' }).execute();
  const project = await createProject(t.db, { orgId: org.id, userId: u.id, role: 'owner' }, { name: 'shop', repository: repo });
  projectId = project.id;
  caller = createCaller(userContext(t.db, u.id));
  viewer = createCaller(userContext(t.db, v.id));
});

afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Patterns of a project', () => {
  it('"Scan repository" scans the default branch and lists the learned patterns with examples', async () => {
    expect(await caller.viability.patterns({ orgId, projectId })).toEqual([]);
    const r = await caller.viability.scan({ orgId, projectId });
    expect(r.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r.filesScanned).toBe(10);
    expect(r.problems.map((p) => p.file).sort()).toEqual(['py/broken.py', 'src/broken.ts']);
    const patterns = await caller.viability.patterns({ orgId, projectId });
    expect(patterns.length).toBe(r.learned);
    expect(patterns.find((p) => p.key === 'py/pickle-loads')).toMatchObject({ occurrences: 1, example: { file: 'py/app.py', line: 46 }, lastScanCommit: r.commit });
    // The checkout and its branch are gone again: the mirror keeps upstream's refs only.
    const mirrors = path.join(dir, 'data', 'mirrors');
    const [mirror] = fs.readdirSync(mirrors).filter((m) => m.endsWith('.git'));
    expect(execFileSync('git', ['for-each-ref', '--format=%(refname)', 'refs/heads'], { cwd: path.join(mirrors, mirror), encoding: 'utf8' })).toBe('');
  });

  it('edit, switch off, history and revert go through the router; a viewer may read but not change', async () => {
    const [p] = await caller.viability.patterns({ orgId, projectId });
    const edited = await caller.viability.update({ orgId, patternId: p.id, expectedVersion: p.version, doNot: 'Build SQL strings by hand', instead: 'Use `db.selectFrom(…)` from server/db.' });
    expect(edited).toMatchObject({ doNot: 'Build SQL strings by hand', version: p.version + 1 });
    expect(await errorCode(viewer.viability.update({ orgId, patternId: p.id, expectedVersion: edited.version, enabled: false }))).toBe('FORBIDDEN');
    expect((await viewer.viability.patterns({ orgId, projectId })).length).toBeGreaterThan(0);
    expect(await errorCode(caller.viability.update({ orgId, patternId: p.id, expectedVersion: edited.version, instead: '   ' }))).toBe('BAD_REQUEST');
    const history = await caller.viability.history({ orgId, patternId: p.id });
    expect(history.map((h) => h.version)).toEqual([edited.version, p.version]);
    const back = await caller.viability.revert({ orgId, patternId: p.id, version: p.version });
    expect(back.doNot).toBe(p.doNot);
  });

  it('"Create cleanup spec" saves a draft spec the gate accepts; a rule that does not fire is a clear error', async () => {
    const r = await caller.viability.cleanupSpec({ orgId, projectId, rule: 'py/yaml-load' });
    expect(r).toMatchObject({ rule: 'py/yaml-load', occurrences: 1, accepted: true });
    const spec = await caller.spec.get({ orgId, specId: r.specId });
    expect(spec.title).toBe('Cleanup: `yaml.load` without a safe loader (py/yaml-load)');
    expect(spec.markdown).toContain('- `py/app.py` line 42');
    expect(spec.markdown).toContain('`npm test` exits with code 0');
    expect(scoreSpec(spec.markdown).accepted).toBe(true);
    expect(spec.status).toBe('draft');

    await expect(caller.viability.cleanupSpec({ orgId, projectId, rule: 'js/string-timer-x' })).rejects.toThrow(/not a viability rule/);
    fs.writeFileSync(path.join(dir, 'repo', 'py', 'app.py'), 'print("nothing here")\n');
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', 'commit', '-qam', 'fix'], { cwd: path.join(dir, 'repo') });
    await expect(caller.viability.cleanupSpec({ orgId, projectId, rule: 'py/yaml-load' })).rejects.toThrow(/Nothing to clean up: rule py\/yaml-load does not fire/);
  });
});
