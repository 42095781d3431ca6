/**
 * Viability in the task pipeline, on real git, a real sandbox and the fake LLM server: the
 * architect and developer of a task in a file with a known pattern get the section
 * `## Patterns to avoid in this repository` in the request the model receives (a task in a clean
 * file does not); a change that adds a pattern on new lines comes back to the developer as a QA
 * finding although QA's model passed it.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { createMemoryContextCache } from '../agent/context-cache';
import { createModelResolver } from '../llm/model-factory';
import { InMemoryPullRequestStore } from '../repos/pull-requests';
import { openTaskWorkspace } from '../repos/task-workspace';
import { removeWorktree } from '../repos/worktree';
import { operatorRepositorySource } from '../repos/local-repo-policy';
import { startTaskSandbox } from '../pipeline/session-resources';
import { runTaskSession } from '../pipeline/task-session';
import { call, makeFixtureRepo, removeFixtures, roleOf, teamScript, type TeamScript } from '../../test/pipeline/run-test-support';
import { catalogueViability } from './session-hooks';
import { PATTERNS_SECTION_HEADING } from './session';

let llm: FakeLlm | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});
afterAll(() => removeFixtures());

const LEGACY_DB = `import { pool } from './pool.js';

export function findCart(id) {
  return pool.query('SELECT * FROM carts WHERE id = ' + id);
}
`;

/** The fixture repository plus lib/db.js, which builds SQL by concatenation (line 4). */
async function repoWithPattern() {
  const fixture = await makeFixtureRepo();
  mkdirSync(join(fixture.repo, 'lib'), { recursive: true });
  writeFileSync(join(fixture.repo, 'lib/db.js'), LEGACY_DB);
  writeFileSync(join(fixture.repo, 'lib/pool.js'), 'export const pool = { query: async (text, values) => ({ text, values }) };\n');
  execFileSync('git', ['add', '.'], { cwd: fixture.repo });
  execFileSync('git', ['-c', 'user.name=F', '-c', 'user.email=f@example.com', 'commit', '-qm', 'legacy db'], { cwd: fixture.repo });
  return fixture;
}

async function runTask(opts: { repo: string; dataDir: string; taskId: string; files: string[]; title: string }) {
  const ws = await openTaskWorkspace({ dataDir: opts.dataDir, repoId: 'fixture', source: operatorRepositorySource(opts.repo), task: { id: opts.taskId, slug: opts.title }, base: 'main' });
  const sandbox = await startTaskSandbox({ driver: 'bwrap', workspace: ws });
  try {
    return await runTaskSession({
      task: { id: opts.taskId, key: 'T1', title: opts.title, description: opts.title, files: opts.files, runId: 'run-1' },
      acceptanceCriteria: ['`npm test` exits with code 0'],
      workspace: ws,
      sandbox,
      models: createModelResolver({ model: 'openai:gpt-4o-mini', settings: { baseUrl: `${llm!.url}/v1`, env: { OPENAI_API_KEY: 'sk-test' } } }),
      delivery: { pullRequest: { store: new InMemoryPullRequestStore(), projectId: 'fixture' } },
      viability: catalogueViability(),
      cache: createMemoryContextCache(),
    });
  } finally {
    await sandbox.stop();
    await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
  }
}

/** The user messages of every request a role sent, as the fake server received them. */
function requestsOf(role: string): string[] {
  return (llm!.requests as Array<Record<string, unknown>>).filter((b) => roleOf(b) === role).map((b) => JSON.stringify(b.messages));
}

const finishQuietly: TeamScript = {
  architect: () => call('finish', { summary: 'Design: change the one function in place; no new files.' }),
  developer: () => call('finish', { summary: 'Nothing needed changing.' }),
  qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : call('finish', { summary: 'npm test passes.', verdict: 'pass', findings: [], criteria: [{ criterion: 1, met: true, evidence: [{ command: 'npm test' }] }] })),
  reviewer: () => call('finish', { steelman: 'Harmless.', verdict: 'approve', summary: 'Approved.' }),
};

describe('patterns to avoid, in the prompt', () => {
  it('a task in a file with a pattern: the architect and developer requests carry the section with DO NOT/INSTEAD, file and line', async () => {
    llm = await startFakeLlm({ script: teamScript(finishQuietly) });
    const { repo, dataDir } = await repoWithPattern();
    await runTask({ repo, dataDir, taskId: '33333333-cccc', files: ['lib/db.js'], title: 'Add findCarts to lib/db.js' });
    for (const role of ['architect', 'developer']) {
      const [first] = requestsOf(role);
      expect(first, role).toContain(PATTERNS_SECTION_HEADING);
      expect(first, role).toContain('DO NOT: SQL text built by concatenation or template interpolation (lib/db.js:4');
      expect(first, role).toContain('INSTEAD: Keep the SQL text constant and pass values as bound parameters');
    }
    // QA and the reviewer write no code: they are not told.
    for (const role of ['qa', 'reviewer']) expect(requestsOf(role)[0], role).not.toContain(PATTERNS_SECTION_HEADING);
  }, 120_000);

  it('a task in a clean file (whose folder is clean too) gets no such section', async () => {
    llm = await startFakeLlm({ script: teamScript(finishQuietly) });
    const { repo, dataDir } = await repoWithPattern();
    await runTask({ repo, dataDir, taskId: '44444444-dddd', files: ['src/cart.js'], title: 'Tidy src/cart.js' });
    const all = [...requestsOf('architect'), ...requestsOf('developer')];
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const body of all) expect(body).not.toContain('Patterns to avoid');
  }, 120_000);
});

describe('the diff guard', () => {
  const NEW_QUERY = {
    path: 'src/cart.js',
    mode: 'replace',
    search: '  return total;\n}\n',
    replace: "  return total;\n}\n\nexport function cartsOf(pool, user) {\n  return pool.query(`SELECT * FROM carts WHERE owner = '${user}'`);\n}\n",
  };
  const FIXED_QUERY = {
    path: 'src/cart.js',
    mode: 'replace',
    search: "pool.query(`SELECT * FROM carts WHERE owner = '${user}'`)",
    replace: "pool.query('SELECT * FROM carts WHERE owner = $1', [user])",
  };

  it('a change that adds a known pattern on a new line goes back to the developer as a QA finding, though QA passed it', async () => {
    const team: TeamScript = {
      architect: () => call('finish', { summary: 'Design: add cartsOf(pool, user) to src/cart.js.' }),
      developer: (ctx) => {
        if (ctx.run === 1) return ctx.step === 0 ? call('apply_code_changes', { changes: [NEW_QUERY] }) : call('finish', { summary: 'cartsOf added.' });
        return ctx.step === 0 ? call('apply_code_changes', { changes: [FIXED_QUERY] }) : call('finish', { summary: 'cartsOf binds the user as a parameter now.' });
      },
      // QA's model notices nothing: the guard is what sends the change back.
      qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : call('finish', { summary: 'Looks fine.', verdict: 'pass', findings: [], criteria: [{ criterion: 1, met: true, evidence: [{ command: 'npm test' }] }] })),
      reviewer: () => call('finish', { steelman: 'Small.', verdict: 'approve', summary: 'Approved.' }),
    };
    llm = await startFakeLlm({ script: teamScript(team) });
    const { repo, dataDir } = await repoWithPattern();
    // lib/db.js is in the task too: its old pattern is on no line the change added, so the guard leaves it alone.
    const session = await runTask({ repo, dataDir, taskId: '55555555-eeee', files: ['src/cart.js', 'lib/db.js'], title: 'Add cartsOf' });

    const [c1, c2] = session.pipeline.cycles;
    expect(c1.guard).toEqual([
      expect.objectContaining({ id: 'c1-guard-1', rule: 'js/sql-concat', file: 'src/cart.js', line: 9, category: 'lint', evidence: expect.stringContaining("src/cart.js:9: return pool.query(`SELECT * FROM carts WHERE owner = '${user}'`);") }),
    ]);
    // The developer's second run was told the finding; the fixed change passes the guard.
    const devRuns = requestsOf('developer');
    const second = devRuns.find((b) => b.includes('Cycle 2'))!;
    expect(second).toContain('c1-guard-1');
    expect(second).toContain('js/sql-concat');
    expect(c2.guard).toEqual([]);
    expect(session.approved).toBe(true);
    expect(execFileSync('git', ['show', `${session.branch}:src/cart.js`], { cwd: repo, encoding: 'utf8' })).toContain("'SELECT * FROM carts WHERE owner = $1', [user]");
  }, 180_000);
});
