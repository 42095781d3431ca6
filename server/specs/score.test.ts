import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreSpecWithCritique } from './critique';
import { parseSpec } from './parse';
import { DEFAULT_ACCEPT_THRESHOLD, scoreSpec } from './score';

const fixture = (name: string) => readFileSync(join(__dirname, '../../test/fixtures/specs', name), 'utf8');
const good = fixture('good-spec.md');
const vague = fixture('vague-spec.md');

describe('parseSpec', () => {
  it('finds sections by heading, synonym and level, with line numbers', () => {
    const md = ['# T', '', '### GOAL', 'build x', '## Non-Goals', '- y', '#### Out of scope:', '## Acceptance', '### Edge cases', '- z', '## Random', 'text', '```', '## Tests', '```'].join('\n');
    const spec = parseSpec(md);
    expect(spec.title).toBe('T');
    expect(spec.sections.map((s) => [s.key, s.line])).toEqual([
      ['whatToBuild', 3],
      ['whatNotToBuild', 5],
      ['whatNotToBuild', 7],
      ['acceptance', 8],
    ]);
    // A deeper unknown heading stays inside its section; an unknown one at the same level closes it.
    expect(spec.byKey.acceptance?.body).toContain('- z');
    expect(spec.byKey.acceptance?.endLine).toBe(10);
    // A heading inside fenced code is not a section.
    expect(spec.byKey.tests).toBeUndefined();
    expect(spec.otherHeadings.map((h) => h.heading)).toEqual(['Edge cases', 'Random']);
  });
});

describe('scoreSpec', () => {
  it('accepts the good spec with a score of at least 70', () => {
    const result = scoreSpec(good);
    expect(result.score).toBeGreaterThanOrEqual(DEFAULT_ACCEPT_THRESHOLD);
    expect(result.accepted).toBe(true);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('rejects the vague spec below 70 with findings naming sections and lines', () => {
    const result = scoreSpec(vague);
    expect(result.score).toBeLessThan(DEFAULT_ACCEPT_THRESHOLD);
    expect(result.accepted).toBe(false);
    const has = (section: string, line: number | undefined, text: RegExp) =>
      result.findings.some((f) => f.section === section && f.line === line && text.test(f.message));
    expect(has('What not to build', undefined, /Missing section/)).toBe(true);
    expect(has('Dependencies and contracts', undefined, /Missing section/)).toBe(true);
    expect(has('What to build', 5, /Vague word "fast"/)).toBe(true);
    expect(has('What to build', 5, /"user-friendly"/)).toBe(true);
    expect(has('Acceptance criteria', 9, /not testable/)).toBe(true);
    expect(has('Acceptance criteria', 11, /"etc\."/)).toBe(true);
    expect(has('Test expectations', 15, /not concrete/)).toBe(true);
    expect(has('UI/UX', 21, /NEEDS CLARIFICATION/)).toBe(true);
    // Every finding says how to fix it, not only what is wrong.
    for (const f of result.findings) expect(f.message).toMatch(/\.\s+\S/);
  });

  it('lets a measure redeem a vague word, but not "etc."', () => {
    const base = good.replace('## UI/UX', '## UI/UX\n\nSearch is fast: results in under 200 ms.\n\nSearch is fast.\n\nIcons, badges, etc.');
    const result = scoreSpec(base);
    const vagueLines = result.findings.filter((f) => /Vague word|leaves the list open/.test(f.message)).map((f) => f.line);
    const lines = base.split('\n');
    expect(vagueLines).toEqual([lines.indexOf('Search is fast.') + 1, lines.indexOf('Icons, badges, etc.') + 1]);
  });

  it('refuses a spec with an unresolved [NEEDS CLARIFICATION] even when the score clears the threshold', () => {
    const md = good.replace('valid for 30 minutes', 'valid for [NEEDS CLARIFICATION: how long?]');
    const result = scoreSpec(md);
    expect(result.score).toBeGreaterThanOrEqual(DEFAULT_ACCEPT_THRESHOLD);
    expect(result.accepted).toBe(false);
    const line = md.split('\n').findIndex((l) => l.includes('NEEDS CLARIFICATION')) + 1;
    expect(result.findings).toContainEqual(expect.objectContaining({ section: 'What to build', line, severity: 'error' }));
  });

  it('honours a per-organisation threshold', () => {
    const { score } = scoreSpec(good);
    expect(scoreSpec(good, { threshold: score + 1 }).accepted).toBe(false);
    expect(scoreSpec(vague, { threshold: 0 }).accepted).toBe(false); // still has a clarification marker
  });

  it('scores a missing section lower than a present one', () => {
    const without = good.replace(/## What not to build[\s\S]*?## Acceptance/, '## Acceptance');
    expect(scoreSpec(without).score).toBeLessThan(scoreSpec(good).score);
    expect(scoreSpec('').score).toBe(0);
  });

  it('is fast enough to run on every keystroke', () => {
    // A guard against accidental blow-ups (e.g. a backtracking regex), not a benchmark: a normal
    // spec scores in about 1–2 ms; the bound leaves room for a loaded CI machine.
    scoreSpec(good);
    const started = performance.now();
    for (let i = 0; i < 50; i++) scoreSpec(good);
    expect((performance.now() - started) / 50).toBeLessThan(25);
  });

  it('has no node: imports in the browser-side modules', () => {
    for (const file of ['parse.ts', 'score.ts', 'sections.ts', 'spec-text.ts', 'vague-words.ts', 'critique.ts', 'speckit-tasks.ts', 'speckit-convert.ts']) {
      expect(readFileSync(join(__dirname, file), 'utf8')).not.toMatch(/from ['"]node:|require\(/);
    }
  });
});

describe('scoreSpecWithCritique', () => {
  it('adds the critique findings but never raises the score', async () => {
    const base = scoreSpec(vague);
    const result = await scoreSpecWithCritique(vague, async () => [{ section: 'Acceptance criteria', line: 9, message: 'Say which queries must match.', severity: 'warning' }]);
    expect(result.score).toBe(base.score);
    expect(result.accepted).toBe(false);
    expect(result.findings).toHaveLength(base.findings.length + 1);
    expect(result.findings.at(-1)).toEqual({ section: 'Acceptance criteria', line: 9, message: 'Say which queries must match.', severity: 'warning', source: 'llm' });
  });

  it('turns a failing critic into an info finding', async () => {
    const result = await scoreSpecWithCritique(good, async () => {
      throw new Error('model unavailable');
    });
    expect(result.score).toBe(scoreSpec(good).score);
    expect(result.findings.at(-1)).toMatchObject({ severity: 'info', source: 'llm', message: expect.stringContaining('model unavailable') });
  });
});
