import { describe, expect, it } from 'vitest';
import { mineObservations } from './mine';
import { parseSince as parseSinceForTest } from './report';
import type { MiningFacts, RunFact } from './types';

const run = (n: number, over: Partial<RunFact> = {}): RunFact => ({ runId: `run-${n}`, projectId: 'p1', status: 'succeeded', error: null, costUsd: 0.1, createdAt: new Date(2026, 0, 1, 0, n), title: `Spec ${n}`, ...over });
const facts = (over: Partial<MiningFacts>): MiningFacts => ({ runs: [], tasks: [], nudges: [], toolErrors: [], findings: [], evalFailures: [], recorded: [], ...over });

describe('mining observations from runs', () => {
  it('clusters one tool error seen in two runs into one observation with both runs, whatever the paths and ids', () => {
    const obs = mineObservations(
      facts({
        runs: [run(1, { status: 'failed' }), run(2, { status: 'failed' }), run(3)],
        toolErrors: [
          { runId: 'run-1', taskId: 't1', role: 'developer', toolName: 'apply_code_changes', output: 'change 1 (src/math.js) not applied, nothing was written: the search text was not found. Did you mean lines 2-2?' },
          { runId: 'run-2', taskId: 't2', role: 'developer', toolName: 'apply_code_changes', output: 'change 1 (lib/other/util.ts) not applied, nothing was written: the search text was not found. Did you mean lines 40-41?' },
          // the same run twice counts once
          { runId: 'run-2', taskId: 't2', role: 'developer', toolName: 'apply_code_changes', output: 'change 2 (lib/x.ts) not applied, nothing was written: the search text was not found.' },
          // one run alone is an incident, not an observation
          { runId: 'run-3', taskId: 't3', role: 'developer', toolName: 'run_command', output: 'command not allowed: curl' },
        ],
      }),
    );
    expect(obs).toHaveLength(1);
    expect(obs[0]).toMatchObject({ kind: 'tool-error', count: 2, failedRuns: 2, runs: ['run-1', 'run-2'] });
    expect(obs[0].pattern).toBe('apply_code_changes returned an error ("change 1 (src/math.js) not applied, nothing was written: the search text was not found. Did you mean lines 2-2?") in 2 runs, 2 failed');
    expect(obs[0].example).toMatchObject({ runId: 'run-1', taskId: 't1' });
    expect(obs[0].example.text).toMatch(/^developer: apply_code_changes → change 1/);
  });

  it('keeps different errors of one tool apart, and the same words in other order together', () => {
    const obs = mineObservations(
      facts({
        runs: [1, 2, 3, 4].map((n) => run(n)),
        toolErrors: [
          { runId: 'run-1', taskId: 't', role: 'qa', toolName: 'run_command', output: 'timed out after 300 s' },
          { runId: 'run-2', taskId: 't', role: 'qa', toolName: 'run_command', output: 'timed out after 120 s' },
          { runId: 'run-3', taskId: 't', role: 'qa', toolName: 'run_command', output: 'permission denied writing /etc/hosts' },
          { runId: 'run-4', taskId: 't', role: 'qa', toolName: 'run_command', output: 'writing /var/x: permission denied' },
        ],
      }),
    );
    // Equal counts: ordered by key (the sorted content words), so "after out timed" comes first.
    expect(obs.map((o) => [o.kind, o.runs])).toEqual([
      ['tool-error', ['run-1', 'run-2']],
      ['tool-error', ['run-3', 'run-4']],
    ]);
    expect(new Set(obs.map((o) => o.key)).size).toBe(2);
  });

  it('names the detector that fired and the role, with how many of the runs failed; drift on its own', () => {
    const obs = mineObservations(
      facts({
        runs: [run(1, { status: 'failed' }), run(2), run(3, { status: 'failed' })],
        nudges: [
          { runId: 'run-1', taskId: 't', role: 'developer', detector: 'doom-loop', message: 'You called read_file with the same arguments 3 times.' },
          { runId: 'run-2', taskId: 't', role: 'developer', detector: 'doom-loop', message: 'You called run_command with the same arguments 3 times.' },
          { runId: 'run-3', taskId: 't', role: 'developer', detector: 'doom-loop', message: 'x' },
          { runId: 'run-3', taskId: 't', role: 'qa', detector: 'doom-loop', message: 'x' },
          { runId: 'run-1', taskId: 't', role: 'developer', detector: 'drift', message: 'Your recent steps do not touch the task files.' },
          { runId: 'run-2', taskId: 't', role: 'developer', detector: 'drift', message: 'Your recent steps do not touch the task files.' },
        ],
      }),
    );
    const doom = obs.find((o) => o.kind === 'detector')!;
    expect(doom).toMatchObject({ count: 3, failedRuns: 2, runs: ['run-1', 'run-2', 'run-3'], details: { detector: 'doom-loop', role: 'developer' } });
    expect(doom.pattern).toBe('The doom-loop detector fired for the developer in 3 runs, 2 failed');
    // The example comes from a failed run.
    expect(doom.example.runId).toBe('run-1');
    const drift = obs.find((o) => o.kind === 'drift')!;
    expect(drift).toMatchObject({ count: 2, failedRuns: 1 });
    // QA's doom loop was in one run only.
    expect(obs.filter((o) => o.kind === 'detector')).toHaveLength(1);
    // Most failing runs first.
    expect(obs[0]).toBe(doom);
  });

  it('clusters why tasks failed, and a run that failed without a failed task by its own error', () => {
    const obs = mineObservations(
      facts({
        runs: [1, 2, 3, 4].map((n) => run(n, { status: 'failed', error: n === 4 ? 'the plan has a dependency cycle: a → b → a' : 'a task failed' })),
        tasks: [
          { taskId: 't1', runId: 'run-1', key: 'T1', title: 'Fix cart', status: 'failed', error: 'QA and review did not converge after 3 cycles', remediationOf: null },
          { taskId: 't2', runId: 'run-2', key: 'T1', title: 'Fix badge', status: 'dead', error: 'QA and review did not converge after 3 cycles', remediationOf: null },
          { taskId: 't3', runId: 'run-3', key: 'T1', title: 'Add page', status: 'failed', error: 'dependency setup failed: npm ci exited 1', remediationOf: null },
        ],
      }),
    );
    expect(obs).toHaveLength(1);
    expect(obs[0]).toMatchObject({ kind: 'task-error', runs: ['run-1', 'run-2'], pattern: 'Tasks failed with "QA and review did not converge after 3 cycles" in 2 runs, 2 failed' });
    expect(obs[0].example.text).toBe('Fix cart: QA and review did not converge after 3 cycles');
  });

  it('groups QA findings by rule or message cluster, eval tasks that keep failing, remediation and recorded failures', () => {
    const obs = mineObservations(
      facts({
        runs: [1, 2, 3].map((n) => run(n)),
        tasks: [
          { taskId: 'r1', runId: 'run-1', key: 'T1-fix', title: 'Fix findings of T1', status: 'succeeded', error: null, remediationOf: 'T1' },
          { taskId: 'r2', runId: 'run-2', key: 'T1-fix', title: 'Fix findings of T1', status: 'succeeded', error: null, remediationOf: 'T1' },
        ],
        findings: [
          { runId: 'run-1', taskId: 't', role: 'qa', rule: 'js/empty-catch', cluster: 'catch empty', message: 'The catch block is empty', file: 'a.js', line: 3 },
          { runId: 'run-3', taskId: 't', role: 'reviewer', rule: 'js/empty-catch', cluster: 'catch swallow', message: 'Empty catch swallows errors', file: 'b.js', line: 9 },
          { runId: 'run-2', taskId: 't', role: 'qa', rule: null, cluster: 'missing test', message: 'No test covers the new branch', file: null, line: null },
        ],
        evalFailures: [
          { runId: 'run-1', suite: 'builtin', task: 'js-slugify', status: 'failed', reason: 'TAP version 13\nnot ok 1 - slugify keeps accents\n  expected: cafe' },
          { runId: 'run-2', suite: 'builtin', task: 'js-slugify', status: 'failed', reason: 'not ok 1 - slugify keeps accents' },
        ],
        recorded: [
          { runId: 'run-1', taskId: 't', role: 'developer', kind: 'command', subject: 'npm test', text: 'exit 127: sh: vitest: not found' },
          { runId: 'run-3', taskId: 't', role: 'qa', kind: 'command', subject: 'npm test', text: 'exit 127: sh: vitest: not found' },
          { runId: 'run-2', taskId: 't', role: 'developer', kind: 'model', subject: 'openai:gpt-4o', text: 'HTTP 429: rate limited' },
        ],
      }),
    );
    const byKind = (k: string) => obs.filter((o) => o.kind === k);
    expect(byKind('qa-finding')).toHaveLength(1);
    expect(byKind('qa-finding')[0]).toMatchObject({ runs: ['run-1', 'run-3'], details: { rule: 'js/empty-catch' } });
    expect(byKind('qa-finding')[0].pattern).toBe('QA/reviewer finding js/empty-catch: "The catch block is empty" in 2 runs, 1 failed');
    // run-1 counts as failed: its eval result failed.
    expect(byKind('qa-finding')[0].failedRuns).toBe(1);
    expect(byKind('eval-failure')[0]).toMatchObject({ runs: ['run-1', 'run-2'], pattern: 'Eval task builtin/js-slugify fails verification in 2 runs, 2 failed', example: { text: 'not ok 1 - slugify keeps accents' } });
    expect(byKind('remediation')[0]).toMatchObject({ runs: ['run-1', 'run-2'], pattern: 'Findings sent work back as a remediation task in 2 runs, 2 failed' });
    expect(byKind('command-failure')[0]).toMatchObject({ runs: ['run-1', 'run-3'], pattern: 'The command "npm test" failed ("exit 127: sh: vitest: not found") in 2 runs, 1 failed' });
    expect(byKind('model-error')).toHaveLength(0);
  });

  it('flags runs costing over three times the median, once there are enough runs for a median', () => {
    const costs = [0.1, 0.12, 0.09, 0.11, 1.5, 2.0];
    const obs = mineObservations(facts({ runs: costs.map((c, i) => run(i + 1, { costUsd: c })) }));
    expect(obs).toHaveLength(1);
    expect(obs[0]).toMatchObject({ kind: 'cost-outlier', runs: ['run-6', 'run-5'], example: { runId: 'run-6', text: '$2.0000 for "Spec 6" (median $0.1150)' } });
    expect(mineObservations(facts({ runs: [run(1, { costUsd: 0.1 }), run(2, { costUsd: 5 }), run(3, { costUsd: 5 })] }))).toEqual([]);
  });

  it('ignores facts of runs outside the window, and finds nothing in nothing', () => {
    expect(mineObservations(facts({}))).toEqual([]);
    const obs = mineObservations(
      facts({
        runs: [run(1)],
        nudges: [
          { runId: 'run-1', taskId: 't', role: 'developer', detector: 'monologue', message: 'x' },
          { runId: 'elsewhere', taskId: 't', role: 'developer', detector: 'monologue', message: 'x' },
        ],
      }),
    );
    expect(obs).toEqual([]);
  });

  it('reads --since durations', () => {
    expect(parseSinceForTest('7d')).toBe(7 * 24 * 3600_000);
    expect(parseSinceForTest('12h')).toBe(12 * 3600_000);
    expect(parseSinceForTest('30m')).toBe(30 * 60_000);
    expect(parseSinceForTest('2w')).toBe(14 * 24 * 3600_000);
    for (const bad of ['', '7', 'd', '-1d', '0d', 'seven days']) expect(parseSinceForTest(bad)).toBeNull();
  });
});
