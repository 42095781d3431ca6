import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startFakeLlm, type FakeLlm } from '../fake-llm/server';
import { startTestWorker, waitFor, type TestWorker } from '../scheduling/fixtures';
import { createUser } from '../../server/services/users';
import { createOrganization, updateOrganizationSettings } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import { createRun, startRun } from '../../server/services/runs';
import { getPullRequest, listPullRequests } from '../../server/services/pull-requests';
import { createPipelineExecutor } from '@/server/pipeline/task-executor';
import { architectDesign, call, DISCOUNT_TASK, DISCOUNT_TESTS, exec, FIRST_VERSION, makeFixtureRepo, qaVerdict, RANGE_FIX, RANGE_TEST, removeFixtures, roleOf, SPEC, teamScript, type TeamScript } from './run-test-support';
import { runCli } from '../support/cli';

/**
 * `nightshift run` and the scheduler path are one executor: for the same scripted spec they give
 * the same branch (tree), the same verification report sections, and the same sandbox limits — a
 * command allocating 400 MiB, over the sandbox default of 256 MiB, succeeds in both (the web path
 * used to run with the default and had it OOM-killed).
 */
const MODEL = 'openai:gpt-4o-mini';
const ALLOC = `node -e "const b = Buffer.alloc(400 * 1024 * 1024); b.fill(1); console.log('allocated', b.length)"`;
const TEAM: TeamScript = {
  planner: (ctx) => (ctx.step === 0 ? call('submit_plan', { tasks: [DISCOUNT_TASK] }) : call('finish', { summary: 'One task.' })),
  architect: architectDesign,
  developer: (ctx) => {
    if (ctx.step === 0) return call('apply_code_changes', { changes: [FIRST_VERSION, DISCOUNT_TESTS, RANGE_TEST] });
    if (ctx.step === 1) return call('apply_code_changes', { changes: [RANGE_FIX] });
    if (ctx.step === 2) return call('run_command', { command: ALLOC });
    if (ctx.step === 3) return call('run_command', { command: 'npm test' });
    return call('finish', { summary: 'applyDiscount with its range check and tests; npm test passes' });
  },
  qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : qaVerdict(ctx)),
  reviewer: () =>
    call('finish', {
      steelman: 'Small and tested.',
      verdict: 'approve',
      summary: 'Approved.',
      criteria: [1, 2, 3].map((criterion) => ({ criterion, met: true, evidence: 'the QA run of npm test' })),
    }),
};

let t: TestDatabase;
let cliLlm: FakeLlm;
let webLlm: FakeLlm;
let worker: TestWorker | undefined;
const saved: Record<string, string | undefined> = {};
beforeAll(async () => {
  t = await createTestDatabase('paths');
  cliLlm = await startFakeLlm({ script: teamScript(TEAM) });
  webLlm = await startFakeLlm({ script: teamScript(TEAM) });
});
afterAll(async () => {
  await worker?.stop();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  await cliLlm?.close();
  await webLlm?.close();
  await t?.close();
  removeFixtures();
});

/** The report's headings, criteria and status line (branch names differ by the task id). */
const sections = (report: string) =>
  report
    .split('\n')
    .filter((l) => /^#{2,4} /.test(l) || /^\d+\. [✅❌❔]/.test(l) || /^Status: /.test(l))
    .map((l) => l.replace(/nightshift\/[a-z0-9-]+-[0-9a-f]{8}/g, 'nightshift/<task>'));

/** What the developer's allocation command answered, from the request that followed it. */
function allocation(llm: FakeLlm): string {
  const req = llm.requests.find((b) => roleOf(b) === 'developer' && JSON.stringify(b.messages).includes('Buffer.alloc(400'));
  const tool = ((req?.messages ?? []) as Array<{ role: string; content?: unknown }>).filter((m) => m.role === 'tool').at(-1);
  return JSON.stringify(tool?.content ?? '');
}

describe('one executor for nightshift run and the scheduler', () => {
  it('gives the same branch content, report sections and sandbox limits for the same scripted spec', async () => {
    const user = await createUser(t.db, { name: 'Paths', email: 'paths@example.test', password: 'password-123' });
    const org = await createOrganization(t.db, { name: 'Paths Org', ownerId: user.id });
    const scope = { orgId: org.id, userId: user.id, role: 'owner' as const };
    await updateOrganizationSettings(t.db, scope, { specThreshold: 0 });

    // ---- nightshift run, recorded in the same database under the same organisation ----
    const cli = await makeFixtureRepo();
    const specFile = join(cli.root, 'spec.md');
    writeFileSync(specFile, SPEC);
    const r = await runCli(['run', '--repo', cli.repo, '--spec', specFile, '--model', MODEL, '--base-url', `${cliLlm.url}/v1`, '--driver', 'bwrap', '--no-setup', '--org', org.slug], {
      NIGHTSHIFT_DATA_DIR: cli.dataDir,
      DATABASE_URL: t.url,
    });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    const cliPr = summary.pullRequests[0] as { branch: string; report: string };

    // ---- the scheduler path: the product's worker on a project of an identical repository ----
    const web = await makeFixtureRepo();
    for (const [k, v] of Object.entries({ NIGHTSHIFT_DATA_DIR: web.dataDir, OPENAI_BASE_URL: `${webLlm.url}/v1`, OPENAI_API_KEY: 'sk-test-paths', SANDBOX_DRIVER: 'bwrap' })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    worker = await startTestWorker(t, createPipelineExecutor({ db: t.db, dataDir: web.dataDir }));
    const project = await createProject(t.db, scope, { name: 'cart-web', repository: web.repo });
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Cart discounts', markdown: SPEC });
    await submitSpec(t.db, scope, { specId: spec.id });
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [DISCOUNT_TASK], model: MODEL });
    await startRun(t.db, scope, { runId: run.id });
    const ended = await waitFor('the scheduled run to end', async () => {
      const row = await t.db.selectFrom('runs').select(['status', 'error']).where('id', '=', run.id).executeTakeFirstOrThrow();
      return ['succeeded', 'failed'].includes(row.status) ? row : undefined;
    }, 180_000);
    expect(ended).toEqual({ status: 'succeeded', error: null });
    const [webRow] = await listPullRequests(t.db, scope, { runId: run.id });
    const webPr = await getPullRequest(t.db, scope, webRow.id);

    // ---- the same branch content (tree), report sections and sandbox limits ----
    const tree = async (repo: string, branch: string) => (await exec('git', ['rev-parse', `${branch}^{tree}`], { cwd: repo })).stdout.trim();
    expect(await tree(web.repo, webPr.branch)).toBe(await tree(cli.repo, cliPr.branch));
    expect(sections(webPr.body)).toEqual(sections(cliPr.report));
    expect(sections(cliPr.report).some((l) => l.startsWith('Status: **approved**'))).toBe(true);
    for (const llm of [cliLlm, webLlm]) {
      expect(allocation(llm)).toContain('allocated 419430400');
      expect(allocation(llm)).toContain('exit code 0');
    }
    // Both runs are in the database, the CLI's marked as driven by its process.
    const runners = await t.db.selectFrom('runs').select(['runner', 'status']).where('org_id', '=', org.id).orderBy('created_at').execute();
    expect(runners).toEqual([
      { runner: 'cli', status: 'succeeded' },
      { runner: 'scheduler', status: 'succeeded' },
    ]);
  }, 360_000);
});
