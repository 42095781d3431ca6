/**
 * Verification that cannot be faked, on a real session (real git, a real sandbox, the fake LLM
 * server): QA's finish citing a command that never ran in its cycle is refused with what did run;
 * once it cites what it ran, the task is approved and the verification report shows, per
 * criterion, the evidence linked to the recorded command's output.
 */
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
import { acceptanceCriteriaOf } from '../pipeline/acceptance';
import { architectDesign, call, DISCOUNT_TASK, DISCOUNT_TESTS, FIRST_VERSION, makeFixtureRepo, RANGE_FIX, RANGE_TEST, removeFixtures, roleOf, SPEC, teamScript } from '../../test/pipeline/run-test-support';
import { createTaskRecording } from './recorder';
import type { CommandRecord } from './types';

let llm: FakeLlm | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});
afterAll(() => removeFixtures());

const LINK = (seq: number) => `https://nightshift.example/o/acme/runs/run-1?task=t-verify&record=${seq}#recording`;

describe('QA evidence is checked against the recording', () => {
  it('refuses a finish citing a command that never ran; the approved report links each criterion to the recorded command', async () => {
    const cited: string[] = [];
    llm = await startFakeLlm({
      script: teamScript({
        architect: architectDesign,
        developer: (ctx) => {
          if (ctx.step === 0) return call('apply_code_changes', { changes: [FIRST_VERSION, DISCOUNT_TESTS, RANGE_TEST] });
          if (ctx.step === 1) return call('apply_code_changes', { changes: [RANGE_FIX] });
          return call('finish', { summary: 'applyDiscount with its range check and tests' });
        },
        qa: (ctx) => {
          if (ctx.step === 0) return call('run_command', { command: 'npm test' });
          // First a claim with nothing behind it: the lint run never happened.
          const criteria = (lint: boolean) => [
            { criterion: 1, met: true, evidence: [{ command: 'npm test', shows: '10% off 100 is 90' }] },
            { criterion: 2, met: true, evidence: [lint ? { command: 'npm run lint' } : { command: 'npm test' }, { file: 'test/discount.test.js' }] },
            { criterion: 3, met: true, evidence: ['$ npm test'] },
          ];
          cited.push(ctx.lastToolOutput);
          return call('finish', { summary: 'All criteria hold.', verdict: 'pass', criteria: criteria(ctx.step === 1) });
        },
        reviewer: () => call('finish', { steelman: 'Small and tested.', verdict: 'approve', summary: 'Approved.' }),
      }),
    });
    const { repo, dataDir } = await makeFixtureRepo();
    const ws = await openTaskWorkspace({ dataDir, repoId: 'fixture', source: operatorRepositorySource(repo), task: { id: 't-verify', slug: DISCOUNT_TASK.title }, base: 'main' });
    const sandbox = await startTaskSandbox({ driver: 'bwrap', workspace: ws });
    const recording = createTaskRecording();
    try {
      const session = await runTaskSession({
        task: { id: 't-verify', key: 'T1', title: DISCOUNT_TASK.title, description: DISCOUNT_TASK.description, files: DISCOUNT_TASK.files, runId: 'run-1' },
        acceptanceCriteria: acceptanceCriteriaOf(SPEC),
        workspace: ws,
        sandbox,
        models: createModelResolver({ model: 'openai:gpt-4o-mini', settings: { baseUrl: `${llm.url}/v1`, env: { OPENAI_API_KEY: 'sk-test' } } }),
        delivery: { pullRequest: { store: new InMemoryPullRequestStore(), projectId: 'fixture' } },
        recorder: recording,
        links: { command: LINK },
        cache: createMemoryContextCache(),
      });

      // The refusal reached QA, naming the command that ran.
      const qaRequests = (llm.requests as Array<Record<string, unknown>>).filter((b) => roleOf(b) === 'qa').map((b) => JSON.stringify(b.messages));
      expect(qaRequests).toHaveLength(3);
      expect(qaRequests[2]).toContain('Error: your finish was refused: criterion 2 cites `npm run lint` but no such command ran in this cycle (commands you ran this cycle: `npm test` (exit 0))');
      expect(session.approved).toBe(true);

      // The report: per criterion, the evidence, linked to the recorded command's output.
      const ran = recording.commands('qa', 1) as CommandRecord[];
      expect(ran.map((c) => [c.command, c.exitCode])).toEqual([['npm test', 0]]);
      const seq = ran[0].seq;
      const report = session.report!;
      expect(report).toContain(`1. ✅ \`applyDiscount(100, 10)\` returns 90.\n   - QA (cycle 1): met — [\`npm test\` → exit 0](${LINK(seq)}) — 10% off 100 is 90`);
      expect(report).toContain(`2. ✅ \`applyDiscount(80, 0)\` returns 80 unchanged.\n   - QA (cycle 1): met — [\`npm test\` → exit 0](${LINK(seq)}) · file \`test/discount.test.js\` in the change`);
      expect(report).toContain(`3. ✅`);
      expect(report).toContain(`- cycle 1: [\`npm test\` → exit 0](${LINK(seq)})`);
      expect(report).not.toContain('no evidence recorded');
      // The recorded output behind the link is the real run of the tests.
      expect(ran[0].stdout).toMatch(/# pass 4\n# fail 0/);
    } finally {
      await sandbox.stop();
      await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
    }
  }, 120_000);
});
