import { describe, expect, it } from 'vitest';
import { checkEvidence, unprovenCriteria, type EvidenceSource } from './evidence';

const source = (over: Partial<{ commands: Array<{ command: string; exitCode: number; seq: number }>; steps: string[]; files: string[] }> = {}): EvidenceSource => ({
  commands: () => over.commands ?? [{ command: 'npm test', exitCode: 0, seq: 7 }],
  webSteps: () => over.steps ?? [],
  changedFiles: async () => over.files ?? ['src/cart.js', 'test/cart.test.js'],
});

describe('QA evidence checked against the recording', () => {
  it('accepts a pass whose every criterion cites what happened, and returns the proofs', async () => {
    const r = await checkEvidence({
      verdict: 'pass',
      count: 3,
      source: source({ steps: ['open http://127.0.0.1:3000/ → Cart', 'click button "Pay"'] }),
      criteria: [
        { criterion: 1, met: true, evidence: [{ command: '$ npm  test', shows: '3 pass' }] },
        { criterion: 2, met: true, evidence: [{ file: './src/cart.js' }] },
        { criterion: 3, met: true, evidence: [{ web_step: 2 }] },
      ],
    });
    expect(r).toEqual({
      ok: true,
      criteria: [
        { criterion: 1, met: true, evidence: '`npm test` → exit 0 — 3 pass', proof: [{ kind: 'command', command: 'npm test', exitCode: 0, seq: 7, shows: '3 pass' }] },
        { criterion: 2, met: true, evidence: 'file `src/cart.js` in the change', proof: [{ kind: 'file', path: 'src/cart.js' }] },
        { criterion: 3, met: true, evidence: 'web-tester step 2: click button "Pay"', proof: [{ kind: 'web', step: 2, action: 'click button "Pay"' }] },
      ],
    });
  });

  it('refuses a citation of a command that never ran, naming what did run', async () => {
    const r = await checkEvidence({
      verdict: 'pass',
      count: 2,
      source: source({ commands: [{ command: 'npm test', exitCode: 0, seq: 3 }, { command: 'node --test', exitCode: 1, seq: 5 }] }),
      criteria: [
        { criterion: 1, met: true, evidence: [{ command: 'npm test' }] },
        { criterion: 2, met: true, evidence: [{ command: 'npm run lint' }] },
      ],
    });
    expect(r).toEqual({ ok: false, problems: ['criterion 2 cites `npm run lint` but no such command ran in this cycle (commands you ran this cycle: `npm test` (exit 0), `node --test` (exit 1))'] });
  });

  it('checks exit codes, files, web steps, missing and unmet criteria', async () => {
    const r = await checkEvidence({
      verdict: 'pass',
      count: 5,
      source: source({ commands: [{ command: 'npm test', exitCode: 1, seq: 2 }], files: ['src/a.js'] }),
      criteria: [
        { criterion: 1, met: true, evidence: [{ command: 'npm test' }] },
        { criterion: 2, met: true, evidence: [{ command: 'npm test', exit_code: 0 }] },
        { criterion: 3, met: true, evidence: [{ file: 'src/b.js' }, { web_step: 1 }] },
        { criterion: 4, met: false, evidence: [{ command: 'npm test', exit_code: 1 }] },
        { criterion: 9, met: true, evidence: [] },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'criterion 1 is marked met citing `npm test`, which exited 1: cite a run that passed, or give the exit code the check expects in "exit_code"',
      'criterion 2 cites `npm test` with exit code 0, but it exited 1',
      'criterion 3 cites the file `src/b.js`, which the change does not touch (files in the change: `src/a.js`)',
      'criterion 3 cites web-tester step 1, but you took no browser step in this cycle',
      'criterion 9 does not exist (the task has 5 acceptance criteria)',
      'the verdict is pass but criterion 4 is marked not met: give verdict fail with a finding, or show it met',
      'criterion 5 has no evidence: a pass cites, for every criterion, a command you ran, a file in the change or a web-tester step',
    ]);
  });

  it('a fail need not cover every criterion, but what it cites must have happened', async () => {
    expect(await checkEvidence({ verdict: 'fail', count: 3, source: source(), criteria: [] })).toEqual({ ok: true, criteria: [] });
    const r = await checkEvidence({ verdict: 'fail', count: 3, source: source(), criteria: [{ criterion: 1, met: false, evidence: [{ command: 'pytest' }] }] });
    expect(r.ok).toBe(false);
  });

  it('an approval needs a proof for every criterion', () => {
    expect(unprovenCriteria(2, [{ criterion: 1, met: true, proof: [{ kind: 'file', path: 'a' }] }, { criterion: 2, met: true }])).toEqual([2]);
    expect(unprovenCriteria(2, undefined)).toEqual([1, 2]);
    expect(unprovenCriteria(0, undefined)).toEqual([]);
  });
});
