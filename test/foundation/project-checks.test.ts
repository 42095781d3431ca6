import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { serveRemoteLocally } from '../support/git-remote';
import { errorCode, errorMessage as message, userContext } from '../support/trpc';
import { startFakeLlm } from '../fake-llm/server';
import { createCallerFactory } from '../../server/api/trpc';
import { projectRouter } from '../../server/api/routers/project';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createSpec } from '../../server/services/specs';
import { LOCAL_REPOSITORY_REFUSED } from '../../server/repos/local-repo-policy';
import { registerRepository } from '../../server/repos/mirror';

/**
 * Projects are checked when added: the local-path policy (one message for every refusal), the
 * repository reachable, its default branch detected; the new or changed project is refused before
 * it is stored. The project page's health line: reachable, default branch, last fetch.
 */
let t: TestDatabase;
let root: string;
const ids: Record<string, string> = {};
const saved: Record<string, string | undefined> = {};

function gitRepo(dir: string, branch = 'trunk', commit = true) {
  fs.mkdirSync(dir, { recursive: true });
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...a], { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', branch);
  if (!commit) return dir;
  fs.writeFileSync(path.join(dir, 'README.md'), '# app\n');
  git('add', '.');
  git('commit', '-qm', 'init');
  git('branch', 'release');
  return dir;
}

beforeAll(async () => {
  t = await createTestDatabase('projchk');
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-projchk-')));
  for (const k of ['NIGHTSHIFT_LOCAL_REPOS', 'NIGHTSHIFT_DATA_DIR']) saved[k] = process.env[k];
  const owner = await createUser(t.db, { name: 'Owner', email: 'o@pc.test', password: 'password-123' });
  const member = await createUser(t.db, { name: 'Member', email: 'm@pc.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Checks', ownerId: owner.id });
  await t.db.insertInto('memberships').values({ org_id: org.id, user_id: member.id, role: 'member' }).execute();
  Object.assign(ids, { owner: owner.id, member: member.id, orgId: org.id });
  process.env.NIGHTSHIFT_LOCAL_REPOS = `${org.slug}=${path.join(root, 'repos')}`;
  process.env.NIGHTSHIFT_DATA_DIR = path.join(root, 'data');
  gitRepo(path.join(root, 'repos', 'app'));
  gitRepo(path.join(root, 'repos', 'empty'), 'main', false);
  fs.mkdirSync(path.join(root, 'repos', 'plain-folder'), { recursive: true });
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  await t?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const api = (userId: string) => createCallerFactory(projectRouter)(userContext(t.db, userId));

describe('project repository checks', () => {
  it('detects the default branch of a good repository and checks a named branch', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    const repo = path.join(root, 'repos', 'app');
    expect(await owner.checkRepository({ orgId, repository: repo })).toEqual({ repository: repo, defaultBranch: 'trunk', detectedDefaultBranch: 'trunk', local: true });
    expect(await owner.checkRepository({ orgId, repository: repo, defaultBranch: 'release' })).toMatchObject({ defaultBranch: 'release', detectedDefaultBranch: 'trunk' });
    expect(await message(owner.checkRepository({ orgId, repository: repo, defaultBranch: 'main' }))).toBe('The repository has no branch "main"; its default branch is trunk');
  });

  it('refuses every bad local path with the one policy message: missing, not a repository, outside the grant', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    for (const repository of [path.join(root, 'repos', 'nope'), path.join(root, 'repos', 'plain-folder'), '/etc', path.join(root, 'elsewhere')]) {
      expect(await message(owner.checkRepository({ orgId, repository })), repository).toBe(LOCAL_REPOSITORY_REFUSED);
    }
    expect(await message(owner.checkRepository({ orgId, repository: path.join(root, 'repos', 'empty') }))).toBe('The repository has no commits yet: push a first commit, then add it');
  });

  it('refuses an unreachable remote with what git said, and accepts a reachable one', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    const gone = await startFakeLlm({ script: [] });
    await gone.close();
    const unreachable = await message(owner.checkRepository({ orgId, repository: `http://127.0.0.1:${gone.port}/acme/app.git` }));
    expect(unreachable).toMatch(/^Could not reach the repository: .*(connect|Connection refused)/i);
    const restore = serveRemoteLocally('https://git.example.test/acme/app.git');
    try {
      expect(await owner.checkRepository({ orgId, repository: 'https://git.example.test/acme/app.git' })).toMatchObject({ defaultBranch: 'main', local: false });
    } finally {
      restore();
    }
  });

  it('creates a project only after the check, with the detected default branch; a refused one is not stored', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    expect(await message(owner.create({ orgId, name: 'missing', repository: path.join(root, 'repos', 'nope') }))).toBe(LOCAL_REPOSITORY_REFUSED);
    const project = await owner.create({ orgId, name: 'app', repository: path.join(root, 'repos', 'app') });
    expect(project.defaultBranch).toBe('trunk');
    expect((await owner.list({ orgId })).map((p) => p.name)).toEqual(['app']);
    ids.projectId = project.id;
  });

  it('edits a project: a new repository or branch is checked and a refused change leaves it as it was', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    const projectId = ids.projectId!;
    expect(await message(owner.update({ orgId, projectId, repository: path.join(root, 'repos', 'plain-folder') }))).toBe(LOCAL_REPOSITORY_REFUSED);
    expect(await message(owner.update({ orgId, projectId, defaultBranch: 'nope' }))).toMatch(/no branch "nope"/);
    expect(await owner.get({ orgId, projectId })).toMatchObject({ name: 'app', defaultBranch: 'trunk' });
    await owner.update({ orgId, projectId, name: 'app renamed', defaultBranch: 'release' });
    expect(await owner.get({ orgId, projectId })).toMatchObject({ name: 'app renamed', defaultBranch: 'release' });
  });

  it('reports health: reachable with its branch, the last fetch on this server, and unreachable once the folder is gone', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    const projectId = ids.projectId!;
    const first = await owner.health({ orgId, projectId });
    expect(first).toMatchObject({ reachable: true, error: null, defaultBranch: 'release', branchExists: true, upstreamDefaultBranch: 'trunk', lastFetchAt: null });
    const before = Date.now() - 1000;
    await registerRepository({ dataDir: process.env.NIGHTSHIFT_DATA_DIR!, repoId: projectId, source: path.join(root, 'repos', 'app') });
    const fetched = await owner.health({ orgId, projectId });
    expect(fetched.lastFetchAt).toBeInstanceOf(Date);
    expect(fetched.lastFetchAt!.getTime()).toBeGreaterThanOrEqual(before);
    fs.renameSync(path.join(root, 'repos', 'app'), path.join(root, 'repos', 'app-moved'));
    try {
      expect(await owner.health({ orgId, projectId })).toMatchObject({ reachable: false, error: LOCAL_REPOSITORY_REFUSED, branchExists: null });
    } finally {
      fs.renameSync(path.join(root, 'repos', 'app-moved'), path.join(root, 'repos', 'app'));
    }
  });

  it('deletes: members may not, an admin may — but not while a run of the project is in progress', async () => {
    const orgId = ids.orgId!;
    const projectId = ids.projectId!;
    expect(await errorCode(api(ids.member!).delete({ orgId, projectId }))).toBe('FORBIDDEN');
    const spec = await createSpec(t.db, { orgId, userId: ids.owner!, role: 'owner' }, { projectId, title: 'Spec', markdown: '# Spec\n' });
    const run = await t.db.insertInto('runs').values({ org_id: orgId, project_id: projectId, spec_id: spec.id, model: 'openai:fake', status: 'running' }).returning('id').executeTakeFirstOrThrow();
    expect(await message(api(ids.owner!).delete({ orgId, projectId }))).toMatch(/run of this project is in progress/);
    await t.db.updateTable('runs').set({ status: 'cancelled' }).where('id', '=', run.id).execute();
    expect(await api(ids.owner!).delete({ orgId, projectId })).toEqual({ deleted: true });
    expect(await api(ids.owner!).list({ orgId })).toEqual([]);
    // The repository itself is untouched.
    expect(fs.existsSync(path.join(root, 'repos', 'app', 'README.md'))).toBe(true);
  });
});
