import { describe, expect, it } from 'vitest';
import { verificationReport } from './report';
import type { PipelineResult } from './types';

const zero = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
const result: PipelineResult = {
  status: 'approved',
  architect: { status: 'done', turns: 1, usage: zero, finish: { summary: 'plan' } },
  cycles: [{ cycle: 1, developer: { status: 'done', turns: 2, usage: zero, finish: { summary: 'done' } }, qa: { status: 'done', turns: 2, usage: zero, finish: { summary: 'ok', verdict: 'pass' }, commands: [{ command: 'npm test', exitCode: 0 }] }, contested: [], withdrawn: [] }],
  openFindings: [],
  remediation: [],
  usageByRole: { architect: zero, developer: zero, qa: zero, reviewer: zero },
  promptVersions: {},
};
const task = { key: 'T1', title: 'Durations' };

describe('the verification report lists the task\'s dependency setups', () => {
  it('says what ran, from the cache or installed, how long, with toolchain mismatches and failures', () => {
    const report = verificationReport({
      task,
      acceptanceCriteria: [],
      result,
      environment: [
        { trigger: 'task-start', status: 'ready', command: 'npm ci --no-audit --no-fund', cached: true, durationMs: 84, cacheKey: 'abc123', toolchain: ['project wants Node 22 (.nvmrc), the sandbox has 20.20.2'] },
        { trigger: 'agent', status: 'ready', command: 'npm ci --no-audit --no-fund', cached: false, durationMs: 12_340, cacheKey: 'def456' },
        { trigger: 'agent', status: 'failed', command: 'npm ci --no-audit --no-fund', cached: false, durationMs: 2_000, cacheKey: 'fff', error: '`npm ci --no-audit --no-fund` exited with 1\nnpm error 404' },
      ],
    });
    const section = report.slice(report.indexOf('### Environment setup'), report.indexOf('### Tests run in the sandbox'));
    expect(section.trim().split('\n')).toEqual([
      '### Environment setup',
      '- `npm ci --no-audit --no-fund` → ready, from the cache (no install) in 0.1 s · cache key `abc123` (before the first role)',
      '  - toolchain: project wants Node 22 (.nvmrc), the sandbox has 20.20.2',
      '- `npm ci --no-audit --no-fund` → ready, installed in 12.3 s · cache key `def456` (install_dependencies)',
      '- `npm ci --no-audit --no-fund` → **failed** after 2.0 s (install_dependencies): `npm ci --no-audit --no-fund` exited with 1',
    ]);
    expect(report).toContain('- cycle 1: `npm test` → exit 0');
  });

  it('has no such section when the task had no environment', () => {
    expect(verificationReport({ task, acceptanceCriteria: [], result })).not.toContain('### Environment setup');
  });
});
