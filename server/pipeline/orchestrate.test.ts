import { describe, expect, it } from 'vitest';
import { runPipeline, type PipelineState } from './orchestrate';
import { verificationReport } from './report';
import { remediationTask } from './remediation';
import { MAX_QA_CYCLES, type RoleFinish, type RoleInput, type RoleOutcome } from './types';

const task = { key: 'T1', title: 'Add a /health endpoint', description: 'Serve GET /health.', files: ['src/server.ts', 'test/server.test.ts'] };
const criteria = ['GET /health answers 200 with {"ok":true}', 'npm test passes'];

/** QA's criteria as its finish tool returns them once checked against the recording. */
const proven = (): NonNullable<RoleFinish['criteria']> =>
  criteria.map((_, i) => ({ criterion: i + 1, met: true, evidence: '`npm test` → exit 0', proof: [{ kind: 'command' as const, command: 'npm test', exitCode: 0, seq: 10 + i }] }));

function done(finish: RoleFinish, usage = 100): RoleOutcome {
  return { status: 'done', finish, turns: 3, usage: { inputTokens: usage, outputTokens: usage / 10, costUsd: usage / 1e5 }, promptVersions: { 'role-x': '1' } };
}

/** A role runner that answers from per-role queues and records every input it was given. */
function scripted(script: Partial<Record<RoleInput['role'], Array<RoleOutcome | ((i: RoleInput) => RoleOutcome)>>>) {
  const calls: RoleInput[] = [];
  const runRole = async (input: RoleInput) => {
    calls.push(input);
    const queue = script[input.role] ?? [];
    const next = queue.length > 1 ? queue.shift()! : queue[0];
    if (!next) throw new Error(`no scripted outcome for ${input.role}`);
    return typeof next === 'function' ? next(input) : next;
  };
  return { runRole, calls };
}

describe('the four-role pipeline', () => {
  it('QA fails once, the developer fixes it, QA passes, the reviewer approves', async () => {
    const s = scripted({
      architect: [done({ summary: 'Add a route in src/server.ts and a test.' })],
      developer: [done({ summary: 'Added the route.' }), done({ summary: 'Fixed the status code.' })],
      qa: [
        done({ summary: 'Status is 201.', verdict: 'fail', findings: [{ id: 'F1', message: 'GET /health answers 201, not 200', category: 'test', file: 'src/server.ts' }] }),
        done({
          summary: 'All good.',
          verdict: 'pass',
          criteria: [
            { criterion: 1, met: true, evidence: '', proof: [{ kind: 'command', command: 'npm test -- health', exitCode: 0, seq: 41, shows: 'test "health 200" passes' }] },
            { criterion: 2, met: true, evidence: '', proof: [{ kind: 'command', command: 'npm test', exitCode: 0, seq: 42, shows: '12 passed' }, { kind: 'file', path: 'test/server.test.ts' }] },
          ],
        }),
      ],
      reviewer: [done({ summary: 'Small and correct.', verdict: 'approve', steelman: 'The route is minimal and tested.' })],
    });
    const result = await runPipeline({ task, acceptanceCriteria: criteria, runRole: s.runRole });
    expect(result.status).toBe('approved');
    expect(s.calls.map((c) => `${c.role}:${c.cycle}`)).toEqual(['architect:0', 'developer:1', 'qa:1', 'developer:2', 'qa:2', 'reviewer:2']);
    // QA's finding reached the developer as a structured message, with the architect's plan.
    const rework = s.calls[3];
    expect(rework.findings).toEqual([expect.objectContaining({ id: 'F1', message: 'GET /health answers 201, not 200' })]);
    expect(rework.architectPlan).toBe('Add a route in src/server.ts and a test.');
    expect(result.usageByRole.developer.inputTokens).toBe(200);

    const report = verificationReport({ task, acceptanceCriteria: criteria, result, branch: 'nightshift/add-health-1234', links: { command: (seq) => `https://ns.example/o/acme/runs/r1?task=t1&record=${seq}#recording` } });
    expect(report).toContain('1. ✅ GET /health answers 200 with {"ok":true}');
    // Each piece of evidence links to the recorded command's output.
    expect(report).toContain('QA (cycle 2): met — [`npm test -- health` → exit 0](https://ns.example/o/acme/runs/r1?task=t1&record=41#recording) — test "health 200" passes');
    expect(report).toContain('QA (cycle 2): met — [`npm test` → exit 0](https://ns.example/o/acme/runs/r1?task=t1&record=42#recording) — 12 passed · file `test/server.test.ts` in the change');
    expect(report).not.toContain('QA cycles was hit');
    expect(report).toContain('steelman: The route is minimal and tested.');
    expect(report).toContain('### Roles and QA cycles (2)');
    expect(report).toMatch(/\| developer \| 200 \| 20 \|/);
  });

  it("a contested finding goes to QA with the developer's evidence, and QA may withdraw it", async () => {
    const s = scripted({
      architect: [done({ summary: 'plan' })],
      developer: [
        done({ summary: 'v1' }),
        done({ summary: 'v2', contested: [{ findingId: 'F2', evidence: 'The spec says 204 is fine: see Acceptance criteria line 3.' }] }),
      ],
      qa: [
        done({ summary: 'two problems', verdict: 'fail', findings: [{ id: 'F1', message: 'lint: unused import', category: 'lint', file: 'src/server.ts' }, { id: 'F2', message: 'should be 200', category: 'acceptance' }] }),
        done({ summary: 'F2 withdrawn', verdict: 'pass', criteria: proven() }),
      ],
      reviewer: [done({ summary: 'ok', verdict: 'approve' })],
    });
    const result = await runPipeline({ task, acceptanceCriteria: criteria, runRole: s.runRole });
    expect(result.status).toBe('approved');
    const qa2 = s.calls.find((c) => c.role === 'qa' && c.cycle === 2)!;
    expect(qa2.contested).toEqual([expect.objectContaining({ findingId: 'F2', evidence: expect.stringContaining('204 is fine'), finding: expect.objectContaining({ message: 'should be 200' }) })]);
    expect(result.cycles[1].withdrawn).toEqual(['F2']);
  });

  it("the reviewer's request_changes sends the developer back, and the task still converges", async () => {
    const s = scripted({
      architect: [done({ summary: 'plan' })],
      developer: [done({ summary: 'v1' }), done({ summary: 'v2' })],
      qa: [done({ summary: 'pass', verdict: 'pass', criteria: proven() })],
      reviewer: [
        done({ summary: 'naming', verdict: 'request_changes', findings: [{ id: 'R1', message: 'rename handler to healthHandler', category: 'bug', file: 'src/server.ts' }] }),
        done({ summary: 'good', verdict: 'approve' }),
      ],
    });
    const result = await runPipeline({ task, acceptanceCriteria: criteria, runRole: s.runRole });
    expect(result.status).toBe('approved');
    expect(s.calls.map((c) => `${c.role}:${c.cycle}`)).toEqual(['architect:0', 'developer:1', 'qa:1', 'reviewer:1', 'developer:2', 'qa:2', 'reviewer:2']);
    expect(s.calls[4].findings?.[0].message).toBe('rename handler to healthHandler');
  });

  it(`stops after ${MAX_QA_CYCLES} cycles and fails with the open findings`, async () => {
    const s = scripted({
      architect: [done({ summary: 'plan' })],
      developer: [done({ summary: 'try' })],
      qa: [done({ summary: 'still broken', verdict: 'fail', findings: [{ id: 'F', message: 'test health fails', category: 'test' }] })],
      reviewer: [done({ summary: 'never', verdict: 'approve' })],
    });
    const result = await runPipeline({ task, acceptanceCriteria: criteria, runRole: s.runRole });
    expect(result.status).toBe('failed');
    expect(result.reason).toBe(`QA and review did not converge in ${MAX_QA_CYCLES} cycles`);
    expect(s.calls.filter((c) => c.role === 'developer')).toHaveLength(MAX_QA_CYCLES);
    expect(s.calls.some((c) => c.role === 'reviewer')).toBe(false);
    expect(result.openFindings.map((f) => f.message)).toEqual(['test health fails']);
    // The report says so at its top.
    const report = verificationReport({ task, acceptanceCriteria: criteria, result });
    expect(report.split('\n')[2]).toBe(`> ⚠️ **The cap of ${MAX_QA_CYCLES} QA cycles was hit**: QA and review did not converge, so this change is **not verified**. The findings still open are listed below.`);
  });

  it('a QA pass without recorded evidence for every criterion is never an approval', async () => {
    const s = scripted({
      architect: [done({ summary: 'plan' })],
      developer: [done({ summary: 'v1' }), done({ summary: 'v2' })],
      // Criterion 2 is claimed without anything recorded behind it, then proven.
      qa: [done({ summary: 'pass', verdict: 'pass', criteria: [proven()[0], { criterion: 2, met: true, evidence: 'npm test: 12 passed' }] }), done({ summary: 'pass', verdict: 'pass', criteria: proven() })],
      reviewer: [done({ summary: 'ok', verdict: 'approve' })],
    });
    const result = await runPipeline({ task, acceptanceCriteria: criteria, runRole: s.runRole });
    expect(s.calls.map((c) => `${c.role}:${c.cycle}`)).toEqual(['architect:0', 'developer:1', 'qa:1', 'developer:2', 'qa:2', 'reviewer:2']);
    expect(s.calls[3].findings).toEqual([expect.objectContaining({ id: 'c1-qa-evidence', message: expect.stringContaining('without recorded evidence for criterion 2') })]);
    expect(result.status).toBe('approved');
    // In the report, a claim with nothing recorded behind it is not shown met.
    const cycle1 = verificationReport({ task, acceptanceCriteria: criteria, result: { ...result, cycles: result.cycles.slice(0, 1) } });
    expect(cycle1).toContain('2. ⚪ npm test passes');
    expect(cycle1).toContain('QA (cycle 1): met — no recorded evidence');
  });

  it('complex findings become a remediation task instead of blocking the task', async () => {
    const s = scripted({
      architect: [done({ summary: 'plan' })],
      developer: [done({ summary: 'done' })],
      qa: [done({ summary: 'ok but', verdict: 'fail', criteria: proven(), findings: [{ id: 'F', message: 'the client in web/api.ts must call /health too', file: 'web/api.ts' }] })],
      reviewer: [done({ summary: 'fine', verdict: 'approve' })],
    });
    const result = await runPipeline({ task, acceptanceCriteria: criteria, runRole: s.runRole });
    expect(result.status).toBe('approved');
    expect(result.remediation.map((f) => f.file)).toEqual(['web/api.ts']);
    const fix = remediationTask(task, result.remediation);
    expect(fix).toMatchObject({ key: 'T1-fix', dependsOn: ['T1'], files: ['web/api.ts'] });
  });

  it('resumes from a saved state without repeating finished roles', async () => {
    const states: PipelineState[] = [];
    const first = scripted({
      architect: [done({ summary: 'plan' })],
      developer: [done({ summary: 'v1' })],
      qa: [() => { throw new Error('worker killed'); }],
    });
    await expect(runPipeline({ task, acceptanceCriteria: criteria, runRole: first.runRole, onState: async (s) => void states.push(structuredClone(s)) })).rejects.toThrow('worker killed');
    const second = scripted({ qa: [done({ summary: 'pass', verdict: 'pass', criteria: proven() })], reviewer: [done({ summary: 'ok', verdict: 'approve' })] });
    const result = await runPipeline({ task, acceptanceCriteria: criteria, runRole: second.runRole, resume: states.at(-1) });
    expect(result.status).toBe('approved');
    expect(second.calls.map((c) => `${c.role}:${c.cycle}`)).toEqual(['qa:1', 'reviewer:1']);
  });

  it('a role that runs out of budget fails the task with its reason', async () => {
    const s = scripted({
      architect: [done({ summary: 'plan' })],
      developer: [{ status: 'failed', reason: 'turn budget exhausted (40 turns)', turns: 40, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 } }],
    });
    const result = await runPipeline({ task, acceptanceCriteria: criteria, runRole: s.runRole });
    expect(result).toMatchObject({ status: 'failed', reason: 'developer did not finish: turn budget exhausted (40 turns)' });
  });
});
