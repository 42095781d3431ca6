import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import { createRun, getRun, listRuns } from '../../server/services/runs';
import { createPullRequestStore, getPullRequest, listPullRequests } from '../../server/services/pull-requests';
import { closePullRequest, mergePullRequest, reopenPullRequest } from '../../server/services/pull-request-actions';
import type { OrgScope } from '../../server/services/scope';

/**
 * The pull request page's data and actions on a real database and a real local repository:
 * names, the report's reading, where the branch is, merge into the base branch (refused cleanly on
 * a conflict), close and reopen — tenant-scoped and for members only.
 */
let t: TestDatabase;
let scope: OrgScope;
let stranger: OrgScope;
let repo: string;
let projectId: string;
let runId: string;
let taskId: string;
const dirs: string[] = [];

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' }).trim();
const REPORT = (status: string) =>
  [`## Verification report — Add greet`, '', `Status: **${status}** · task \`T1\``, '', '### Acceptance criteria', '1. ✅ greets by name', '   - QA (cycle 1): met — `node --test` passes', '2. ⚪ throws without a name', '   - no evidence recorded', '', '### Tests run in the sandbox', '- cycle 1: `node --test` → exit 0', ''].join('\n');

/** A task branch in the team's repository, as Nightshift's push leaves it, and its pull request record. */
async function branchWithPull(branch: string, file: string, content: string, provider: 'local' | 'github' = 'local', from = 'main') {
  git(repo, 'checkout', '-q', '-b', branch, from);
  fs.writeFileSync(path.join(repo, file), content);
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', `work on ${branch}`);
  git(repo, 'checkout', '-q', 'main');
  const now = new Date();
  await createPullRequestStore(t.db, { orgId: scope.orgId, runId, taskId }).upsert({
    projectId, branch, base: 'main', title: `Add ${file}`, body: REPORT('approved'), draft: false, labels: [], provider, state: 'open', diff: '', createdAt: now, updatedAt: now,
    ...(provider === 'github' ? { number: 7, url: 'https://github.com/acme/widgets/pull/7' } : {}),
  });
  return (await t.db.selectFrom('pull_requests').select('id').where('branch', '=', branch).executeTakeFirstOrThrow()).id;
}

beforeAll(async () => {
  t = await createTestDatabase('pr_actions');
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pr-actions-'));
  dirs.push(repo);
  fs.writeFileSync(path.join(repo, 'README.md'), '# greeter\n');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'initial');
  const owner = await createUser(t.db, { name: 'Ada Lovelace', email: 'ada@pr.test', password: 'password-a1' });
  const other = await createUser(t.db, { name: 'Eve', email: 'eve@pr.test', password: 'password-e1' });
  const org = await createOrganization(t.db, { name: 'Acme', ownerId: owner.id });
  const otherOrg = await createOrganization(t.db, { name: 'Elsewhere', ownerId: other.id });
  scope = { orgId: org.id, userId: owner.id, role: 'owner' };
  stranger = { orgId: otherOrg.id, userId: other.id, role: 'owner' };
  const project = await createProject(t.db, scope, { name: 'greeter', repository: repo });
  projectId = project.id;
  const good = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'specs', 'good-spec.md'), 'utf8');
  // One title: the spec's first # heading is its title.
  const spec = await createSpec(t.db, scope, { projectId, title: 'CSV export', markdown: good.replace(/^# .*$/m, '# CSV export') });
  await submitSpec(t.db, scope, { specId: spec.id });
  ({ run: { id: runId } } = await createRun(t.db, scope, { specId: spec.id, tasks: [{ id: 'T1', title: 'greet', description: 'Add greet() to src/greet.js', files: ['src/greet.js'], dependsOn: [] }] }));
  taskId = (await t.db.selectFrom('tasks').select('id').where('run_id', '=', runId).executeTakeFirstOrThrow()).id;
});

afterAll(async () => {
  await t?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('runs and pull requests named for people', () => {
  it('a run carries its spec title, project name and task descriptions; lists carry them too', async () => {
    const run = await getRun(t.db, scope, runId);
    expect(run).toMatchObject({ specTitle: 'CSV export', projectName: 'greeter' });
    expect(run.waves[0][0]).toMatchObject({ key: 'T1', description: 'Add greet() to src/greet.js' });
    const [listed] = await listRuns(t.db, scope, { projectId });
    expect(listed).toMatchObject({ id: runId, specTitle: 'CSV export', projectName: 'greeter', tasks: 1, tasksSucceeded: 0 });
    expect(await listRuns(t.db, stranger, {})).toEqual([]);
  });
});

describe('pull request page: reading, merge, close', () => {
  it('lists with project, spec and verdict; the page has the report read and the branch found in the repository', async () => {
    const id = await branchWithPull('nightshift/t1-greet', 'greet.js', 'export const greet = 1;\n');
    const [row] = await listPullRequests(t.db, scope, { projectId });
    expect(row).toMatchObject({ id, projectName: 'greeter', specTitle: 'CSV export', verdict: { status: 'approved', criteria: 2, withoutEvidence: 1, capHit: false } });
    const pr = await getPullRequest(t.db, scope, id);
    expect(pr.report.withoutEvidence).toEqual([2]);
    expect(pr.location).toEqual({ kind: 'local', path: fs.realpathSync(repo), branchSha: git(repo, 'rev-parse', 'nightshift/t1-greet'), merged: false });
    await expect(getPullRequest(t.db, stranger, id)).rejects.toThrow(/Pull request not found/);
  });

  it('merges into main in the repository as the member who asked; a second merge is refused as already merged', async () => {
    const id = (await t.db.selectFrom('pull_requests').select('id').where('branch', '=', 'nightshift/t1-greet').executeTakeFirstOrThrow()).id;
    await expect(mergePullRequest(t.db, { ...scope, role: 'viewer' }, { pullRequestId: id })).rejects.toThrow(/member role/);
    await expect(mergePullRequest(t.db, stranger, { pullRequestId: id })).rejects.toThrow(/Pull request not found/);
    const before = git(repo, 'rev-parse', 'main');
    const out = await mergePullRequest(t.db, scope, { pullRequestId: id });
    expect(out).toMatchObject({ state: 'merged', base: 'main', alreadyMerged: false, path: fs.realpathSync(repo) });
    expect(git(repo, 'rev-parse', 'main')).toBe(out.sha);
    expect(git(repo, 'log', '-1', '--format=%an|%P')).toBe(`Ada Lovelace|${before} ${git(repo, 'rev-parse', 'nightshift/t1-greet')}`);
    expect(git(repo, 'log', '-1', '--format=%B')).toContain(`Nightshift-Run: ${runId}`);
    expect(fs.readFileSync(path.join(repo, 'greet.js'), 'utf8')).toBe('export const greet = 1;\n');
    const pr = await getPullRequest(t.db, scope, id);
    expect(pr.state).toBe('merged');
    expect(pr.location).toMatchObject({ kind: 'local', merged: true });
    await expect(mergePullRequest(t.db, scope, { pullRequestId: id })).rejects.toThrow(/is merged; only an open one can be merged/);
  });

  it('a conflicting branch is refused with the file named; main and the record stay as they were', async () => {
    // Branched before the first merge: both add greet.js.
    const id = await branchWithPull('nightshift/t2-conflict', 'greet.js', 'export const greet = 2;\n', 'local', 'main~1');
    const before = git(repo, 'rev-parse', 'main');
    await expect(mergePullRequest(t.db, scope, { pullRequestId: id })).rejects.toThrow(/does not merge cleanly into main \(conflicts in greet\.js\)\. Nothing was changed/);
    expect(git(repo, 'rev-parse', 'main')).toBe(before);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect((await getPullRequest(t.db, scope, id)).state).toBe('open');
  });

  it('close and reopen a local pull request; a GitHub one is not merged here', async () => {
    const id = (await t.db.selectFrom('pull_requests').select('id').where('branch', '=', 'nightshift/t2-conflict').executeTakeFirstOrThrow()).id;
    await expect(closePullRequest(t.db, { ...scope, role: 'viewer' }, { pullRequestId: id })).rejects.toThrow(/member role/);
    expect(await closePullRequest(t.db, scope, { pullRequestId: id })).toEqual({ state: 'closed' });
    await expect(mergePullRequest(t.db, scope, { pullRequestId: id })).rejects.toThrow(/is closed/);
    expect(await reopenPullRequest(t.db, scope, { pullRequestId: id })).toEqual({ state: 'open' });
    expect(git(repo, 'rev-parse', '--verify', 'nightshift/t2-conflict')).toMatch(/^[0-9a-f]{40}$/);

    const gh = await branchWithPull('nightshift/t3-github', 'other.js', 'x\n', 'github');
    await expect(mergePullRequest(t.db, scope, { pullRequestId: gh })).rejects.toThrow(/on GitHub: merge it there/);
    expect((await getPullRequest(t.db, scope, gh)).location).toEqual({ kind: 'github', url: 'https://github.com/acme/widgets/pull/7' });
  });
});
