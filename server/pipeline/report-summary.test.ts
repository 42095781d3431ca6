import { describe, expect, it } from 'vitest';
import { verificationReport } from './report';
import { summariseReport } from './report-summary';
import type { PipelineResult, RoleOutcome } from './types';

/** The pull request page's reading of a verification report: status, cap, criteria and their evidence. */
const usage = { inputTokens: 100, outputTokens: 10, costUsd: 0 };
const outcome = (over: Partial<RoleOutcome> = {}): RoleOutcome => ({ status: 'done', turns: 1, usage, ...over });

function result(over: Partial<PipelineResult> = {}): PipelineResult {
  return {
    status: 'approved',
    architect: outcome({ finish: { summary: 'plan' } }),
    cycles: [
      {
        cycle: 1,
        developer: outcome({ finish: { summary: 'done' }, turns: 3 }),
        qa: outcome({ finish: { summary: 'ok', verdict: 'pass', criteria: [{ criterion: 1, met: true, evidence: 'node --test', proof: [{ kind: 'command', command: 'node --test', exitCode: 0, seq: 7, shows: 'greets by name — ok' }] }] }, commands: [{ command: 'node --test', exitCode: 0, seq: 7 }] }),
        reviewer: outcome({ finish: { summary: 'fine', verdict: 'approve' } }),
        contested: [],
        withdrawn: [],
      },
    ],
    openFindings: [],
    remediation: [],
    usageByRole: { architect: usage, developer: usage, qa: usage, reviewer: usage },
    promptVersions: {},
    ...over,
  };
}

const CRITERIA = ['`greet("Ada")` returns `Hello, Ada!`', 'greet() without a name throws', 'The README documents greet'];

describe('reading a verification report', () => {
  it('criteria with their marks and evidence; the ones without evidence are named', () => {
    const md = verificationReport({ task: { key: 'T1', title: 'Add a greet function' }, acceptanceCriteria: CRITERIA, result: result(), branch: 'nightshift/t1-greet' });
    const s = summariseReport(md);
    expect(s.status).toBe('approved');
    expect(s.capHit).toBe(false);
    expect(s.criteria).toEqual([
      { number: 1, text: '`greet("Ada")` returns `Hello, Ada!`', met: true, evidence: ['QA (cycle 1): met — `node --test` → exit 0 (recorded command #7) — greets by name — ok'] },
      { number: 2, text: 'greet() without a name throws', met: null, evidence: [] },
      { number: 3, text: 'The README documents greet', met: null, evidence: [] },
    ]);
    expect(s.withoutEvidence).toEqual([2, 3]);
  });

  it("the QA cycle cap: from the report's notice, and from the status reason of a report without one", () => {
    const md = verificationReport({
      task: { key: 'T1', title: 'x' },
      acceptanceCriteria: CRITERIA.slice(0, 1),
      result: result({ status: 'failed', reason: 'QA and review did not converge in 3 cycles', capHit: { maxQaCycles: 3 } }),
    });
    expect(md).toContain('> ⚠️ **The cap of 3 QA cycles was hit**');
    expect(summariseReport(md)).toMatchObject({ status: 'failed', reason: 'QA and review did not converge in 3 cycles', capHit: true, withoutEvidence: [] });
    // Reports written before the notice existed say it in the status line only.
    const older = '## Verification report — x\n\nStatus: **failed** (QA and review did not converge in 3 cycles) · task `T1`\n\n### Acceptance criteria\n1. ⚪ greets\n   - no evidence recorded\n';
    expect(summariseReport(older)).toMatchObject({ capHit: true, withoutEvidence: [1] });
  });

  it('a report whose evidence is checked against a recording (links, "no recorded evidence", the cap notice)', () => {
    const md = [
      '## Verification report — Add a greet function',
      '',
      '> ⚠️ **The cap of 3 QA cycles was hit**: QA and review did not converge, so this change is **not verified**.',
      '',
      'Status: **failed** · task `T1`',
      '',
      '### Acceptance criteria',
      '1. ✅ greets by name',
      '   - QA (cycle 3): met — [`node --test` → exit 0](/o/acme/runs/r1?command=12) — 3 tests pass',
      '2. ⚪ throws without a name',
      '   - QA (cycle 3): met — no recorded evidence',
      '   - Reviewer (cycle 3): met — the code throws',
      '3. ❌ documented',
      '   - QA (cycle 3): not met — no recorded evidence',
      '',
      '### Tests run in the sandbox',
      '- cycle 3: `node --test` → exit 0',
    ].join('\n');
    const s = summariseReport(md);
    expect(s.capHit).toBe(true);
    expect(s.criteria.map((c) => [c.number, c.met, c.evidence])).toEqual([
      [1, true, ['QA (cycle 3): met — [`node --test` → exit 0](/o/acme/runs/r1?command=12) — 3 tests pass']],
      [2, null, ['Reviewer (cycle 3): met — the code throws']],
      [3, false, []],
    ]);
    expect(s.withoutEvidence).toEqual([3]);
  });

  it('text that is not a report reads as nothing', () => {
    expect(summariseReport('Just a description.\n\n- a\n- b')).toEqual({ status: null, reason: null, capHit: false, criteria: [], withoutEvidence: [] });
  });
});
