import { describe, expect, it } from 'vitest';
import { scoreSpec } from '../specs/score';
import { cleanupSpec, MAX_SPEC_OCCURRENCES } from './cleanup-spec';
import { ruleById } from './catalogue';
import type { Finding } from './types';

function finding(rule: string, file: string, line: number, snippet = 'catch {}'): Finding {
  const r = ruleById(rule)!;
  return { rule, file, line, message: r.message, instead: r.instead, severity: r.severity, snippet };
}

describe('cleanupSpec', () => {
  it('is undefined when the rule does not fire', () => {
    expect(cleanupSpec({ findings: [finding('js/empty-catch', 'a.ts', 1)], rule: 'js/eval' })).toBeUndefined();
    expect(cleanupSpec({ findings: [] })).toBeUndefined();
  });

  it('over the size cap, takes whole files in path order and leaves the rest for a later spec', () => {
    const findings: Finding[] = [];
    for (let f = 0; f < 12; f++) for (let l = 1; l <= 5; l++) findings.push(finding('js/empty-catch', `src/m${String(f).padStart(2, '0')}.ts`, l * 10));
    const spec = cleanupSpec({ findings, testCommand: 'npm test' })!;
    expect(spec.included.length).toBe(MAX_SPEC_OCCURRENCES);
    expect(new Set(spec.included.map((f) => f.file)).size).toBe(8);
    expect(spec.leftOut.length).toBe(20);
    expect(spec.markdown).toContain('No changes for the 20 other occurrences of `js/empty-catch` in 4 other files');
    expect(spec.markdown).toContain('findings list is empty for the 8 files listed above (it lists 40 there before this change)');
    expect(scoreSpec(spec.markdown).accepted).toBe(true);
  });

  it('quotes code in a fence, so backticks and TODO in the code neither break the Markdown nor cost points', () => {
    const findings = [
      finding('js/sql-concat', 'src/q.ts', 3, "db.query(`SELECT * FROM t WHERE a = ${a}`) // TODO remove"),
      finding('js/sql-concat', 'src/q.ts', 9, 'const sql = ```x``` + y; // XXX'),
    ];
    const spec = cleanupSpec({ findings, testCommand: 'npm test' })!;
    expect(spec.markdown).toContain('````text\nsrc/q.ts:3: db.query(`SELECT');
    const gate = scoreSpec(spec.markdown);
    expect(gate.score).toBe(100);
    expect(gate.findings).toEqual([]);
  });

  it('asks for the test that fits the kind of pattern', () => {
    const secrets = cleanupSpec({ findings: [finding('py/hardcoded-secret', 'app.py', 4)], testCommand: 'python3 -m pytest' })!;
    expect(secrets.markdown).toContain('credential unset in the environment');
    expect(secrets.markdown).toContain('`python3 -m pytest` exits with code 0');
    const errors = cleanupSpec({ findings: [finding('py/bare-except', 'app.py', 4)] })!;
    expect(errors.markdown).toContain('makes the call fail');
    expect(errors.markdown).toContain('No test command was found in this repository');
    expect(scoreSpec(errors.markdown).accepted).toBe(true);
  });
});
