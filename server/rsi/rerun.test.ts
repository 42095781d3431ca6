/**
 * Re-running an observed failing run that was not an eval attempt (the calibration gate's second
 * check), on a real Postgres, real git, the bwrap sandbox and the fake LLM server: the run's failed
 * task runs again with the proposal laid over the organisation's prompts, on a scratch copy of the
 * project's repository — so it passes with a prompt that fixes the behaviour and fails without it —
 * and the team's repository gets no branch; a run whose project is gone is skipped with the reason.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { startFakeLlm, type FakeLlm, type Turn } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { GUIDANCE } from '../../test/support/rsi-fixtures';
import { readBuiltInPrompt } from '../prompts/org-overrides';
import { createPublisher } from '../realtime/publish';
import { evalProject } from '../services/evals';
import { createOrganization } from '../services/orgs';
import { createRun } from '../services/runs';
import { setSecret } from '../services/secrets';
import { createSpec, submitSpec } from '../services/specs';
import { createUser } from '../services/users';
import { rerunFailedRun } from './rerun';

const ROOT = resolve(__dirname, '../..');
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe.skipIf(!bwrapAvailable())('re-running an observed failing run with a proposal (bwrap, fake LLM, real git and Postgres)', () => {
  let t: TestDatabase;
  let llm: FakeLlm;
  let root: string;
  let repo: string;
  const ids: Record<string, string> = {};
  const systems: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('rsirerun');
    root = mkdtempSync(join(tmpdir(), 'ns-rsirerun-'));
    mkdirSync(join(root, 'data'));
    // The team's repository.
    repo = join(root, 'shop');
    mkdirSync(join(repo, 'src'), { recursive: true });
    fs.writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'shop', version: '1.0.0', private: true, type: 'module' }));
    fs.writeFileSync(join(repo, 'src', 'math.js'), 'export function add(a, b) {\n  return a - b;\n}\n');
    git(repo, 'init', '--quiet', '-b', 'main');
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.');
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'start');

    // The developer fixes add only when its prompt says to re-read first; otherwise its model call is refused.
    llm = await startFakeLlm({
      script: (body: Record<string, unknown>): Turn => {
        const messages = (body.messages ?? []) as Array<{ role: string; content?: unknown }>;
        const system = String(messages.find((m) => m.role === 'system')?.content ?? '');
        const step = messages.filter((m) => m.role === 'assistant').length;
        if (step === 0) systems.push(system);
        if (!system.includes(GUIDANCE)) return { faults: { status: 400 } };
        if (step === 0) return { toolCalls: [{ name: 'read_file', args: { path: 'src/math.js' } }] };
        if (step === 1) return { toolCalls: [{ name: 'apply_code_changes', args: { changes: [{ path: 'src/math.js', mode: 'replace', search: 'return a - b;', replace: 'return a + b;' }] } }] };
        return { toolCalls: [{ name: 'finish', args: { summary: 'add fixed' } }] };
      },
    });

    const owner = await createUser(t.db, { name: 'Owner', email: 'o@rerun.test', password: 'password-123' });
    const org = await createOrganization(t.db, { name: 'Rerun Inc', ownerId: owner.id });
    const scope = { orgId: org.id, userId: owner.id, role: 'owner' as const };
    await setSecret(t.db, scope, { name: 'OPENAI_API_KEY', value: 'sk-rerun' });
    const project = await evalProject(t.db, { orgId: org.id, repoPath: repo, name: 'shop', settings: {} });
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Fix add', markdown: fs.readFileSync(join(ROOT, 'test', 'fixtures', 'specs', 'good-spec.md'), 'utf8') });
    await submitSpec(t.db, scope, { specId: spec.id });
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [{ id: 'T1', title: 'Fix add', description: 'add(a, b) in src/math.js must return the sum.', files: ['src/math.js'], dependsOn: [] }] });
    // What the executor left behind (test setup of the observed failure).
    await t.db.updateTable('tasks').set({ status: 'failed', error: 'apply_code_changes refused the edit' }).where('run_id', '=', run.id).execute();
    await t.db.updateTable('runs').set({ status: 'failed' }).where('id', '=', run.id).execute();
    Object.assign(ids, { orgId: org.id, runId: run.id, projectId: project.id });
  });

  afterAll(async () => {
    await llm?.close();
    await t?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const rerun = (overlay: Record<string, string>) =>
    rerunFailedRun({
      db: t.db,
      databaseUrl: t.url,
      dataDir: join(root, 'data'),
      orgId: ids.orgId,
      runId: ids.runId,
      model: 'openai:gpt-4o-mini',
      baseUrl: `${llm.url}/v1`,
      mode: 'agent',
      driver: 'bwrap',
      publish: createPublisher(t.db, t.pool),
      overlay: { promptOverrides: overlay },
      setupDependencies: false,
    });

  it('passes with the proposal, fails without it, and leaves the team’s repository alone', async () => {
    const branchesBefore = git(repo, 'branch', '--list');
    const without = await rerun({});
    expect(without.rerun).toMatchObject({ runId: ids.runId, target: 'run:shop/Fix add', status: 'failed' });
    expect(without.rerun.reason).toMatch(/model error: HTTP 400/);
    expect(systems.at(-1)).not.toContain(GUIDANCE);

    const developer = readBuiltInPrompt('roles/developer.md')!;
    const withIt = await rerun({ 'roles/developer.md': developer.replace('Work loop:\n', `Work loop:\n0. ${GUIDANCE}\n`) });
    expect(withIt.rerun).toMatchObject({ runId: ids.runId, target: 'run:shop/Fix add', status: 'passed' });
    expect(systems.at(-1)).toContain(GUIDANCE);
    // A run of its own, in a project of its own, with the fix on its branch of the scratch copy.
    const again = await t.db.selectFrom('runs').innerJoin('projects', 'projects.id', 'runs.project_id').select(['runs.status', 'projects.name', 'projects.repository']).where('runs.id', '=', withIt.rerun.newRunId!).executeTakeFirstOrThrow();
    expect(again).toMatchObject({ status: 'succeeded', name: 're-run of shop' });
    expect(again.repository).not.toBe(repo);
    const branch = (await t.db.selectFrom('tasks').select('branch').where('run_id', '=', withIt.rerun.newRunId!).executeTakeFirstOrThrow()).branch!;
    expect(git(again.repository, 'show', `${branch}:src/math.js`)).toContain('return a + b;');
    // The team's repository: no new branch, main untouched.
    expect(git(repo, 'branch', '--list')).toBe(branchesBefore);
    expect(fs.readFileSync(join(repo, 'src', 'math.js'), 'utf8')).toContain('return a - b;');
  }, 240_000);

  it('skips a run whose project is gone, saying so', async () => {
    await t.db.deleteFrom('projects').where('id', '=', ids.projectId).execute();
    const r = await rerun({});
    expect(r.rerun).toEqual({ runId: ids.runId, target: `run:${ids.runId}`, status: 'skipped', reason: 'the run or its project no longer exists' });
  });
});
