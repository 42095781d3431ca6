import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import {
  architectDesign,
  call,
  DISCOUNT_TESTS,
  FIRST_VERSION,
  makeFixtureRepo,
  qaVerdict,
  RANGE_FIX,
  RANGE_TEST,
  removeFixtures,
  roleOf,
  SPEC,
  teamScript,
} from '../../test/pipeline/run-test-support';
import { runCli } from '../../test/support/cli';

/**
 * `nightshift run --spec FOLDER` with a Spec Kit folder: tasks.md is the plan. The done task is
 * not run again, the open one runs through the pipeline, and the planner agent is never asked
 * (every open task names its files: there is no gap to fill).
 */
const ROOT = resolve(__dirname, '../..');

let llm: FakeLlm | undefined;
afterAll(async () => {
  await llm?.close();
  removeFixtures();
});

describe('nightshift run --spec with a Spec Kit folder', () => {
  it('runs the open tasks of tasks.md as the plan, without the planner agent', async () => {
    const { repo, root, dataDir } = await makeFixtureRepo();
    const folder = join(root, 'specs', '001-cart-discounts');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'spec.md'), SPEC);
    writeFileSync(
      join(folder, 'tasks.md'),
      [
        '# Tasks: Cart discounts',
        '',
        '## Phase 1: Setup',
        '',
        '- [x] **T001** Add the `test` script to package.json',
        '',
        '## Phase 2: User Story 1 - Discounts (Priority: P1)',
        '',
        '- [ ] **T002** [US1] Add applyDiscount(total, percent) to src/cart.js with tests in test/discount.test.js and test/discount-range.test.js',
        '  - Depends on T001',
      ].join('\n'),
    );

    const roles: string[] = [];
    const team = teamScript({
      architect: architectDesign,
      developer: (ctx) => {
        if (ctx.step === 0) return call('apply_code_changes', { changes: [FIRST_VERSION, DISCOUNT_TESTS, RANGE_TEST] });
        if (ctx.step === 1) return call('apply_code_changes', { changes: [RANGE_FIX] });
        if (ctx.step === 2) return call('run_command', { command: 'npm test' });
        return call('finish', { summary: 'applyDiscount with its range check and tests; npm test passes' });
      },
      qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : qaVerdict(ctx)),
      reviewer: () =>
        call('finish', {
          steelman: 'Each criterion has a passing test in the sandbox.',
          verdict: 'approve',
          summary: 'Approved: matches the spec.',
          criteria: [1, 2, 3].map((criterion) => ({ criterion, met: true, evidence: 'QA ran npm test: exit code 0' })),
        }),
    });
    llm = await startFakeLlm({
      script: (body) => {
        roles.push(roleOf(body));
        return team(body);
      },
    });
    const { code, stdout, stderr } = await runCli(
      ['run', '--repo', repo, '--spec', folder, '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`, '--driver', 'bwrap', '--no-setup'],
      { NIGHTSHIFT_DATA_DIR: dataDir, OPENAI_API_KEY: 'sk-test' },
    );
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('already done in tasks.md, not planned: T001');
    expect(stderr).toContain('plan from tasks.md: T002');
    expect(roles).not.toContain('planner');
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary.status).toBe('succeeded');
    expect(summary.tasks.map((t: { id: string }) => t.id)).toEqual(['T002']);
    expect(summary.tasks[0].title).toBe('Add applyDiscount(total, percent) to src/cart.js with tests');
  }, 600_000);

  it('exits 2 naming a dependency cycle in the folder', async () => {
    const { repo, dataDir } = await makeFixtureRepo();
    const { code, stderr } = await runCli(['run', '--repo', repo, '--spec', join(ROOT, 'test/fixtures/speckit/cycle'), '--model', 'openai:gpt-4o-mini', '--driver', 'bwrap'], { NIGHTSHIFT_DATA_DIR: dataDir });
    expect(code).toBe(2);
    expect(stderr).toContain('tasks.md has a dependency cycle: T002 → T003 → T002');
  });
});
