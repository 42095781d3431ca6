import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addedLines, catalogueAsPatterns, guardChange, guardRules, patternsSection, PATTERNS_SECTION_HEADING, type ActivePattern } from './session';

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'viability-session-'));
  temps.push(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  const g = (...a: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...a], { cwd: dir });
  g('init', '-q', '-b', 'main');
  g('add', '.');
  g('commit', '-qm', 'base');
  return dir;
}

describe('patternsSection', () => {
  const files = {
    'src/a.ts': "export function f(x: string) {\n  try { return JSON.parse(x); } catch {}\n  const v = JSON.parse(x) as any;\n  return eval(x);\n}\n",
    'src/b.ts': "import { exec } from 'node:child_process';\nexport const run = (d: string) => exec(`ls ${d}`);\n",
    'other/c.py': 'import yaml\nyaml.load(open("x"))\n',
  };

  it('lists patterns of the task file and its folder, most severe first, one entry each, and nothing from other folders', async () => {
    const dir = repo(files);
    const section = (await patternsSection({ workspaceDir: dir, files: ['src/a.ts'], patterns: catalogueAsPatterns() }))!;
    const lines = section.split('\n');
    expect(lines[0]).toBe(PATTERNS_SECTION_HEADING);
    const entries = lines.filter((l) => l.startsWith('- DO NOT:'));
    expect(entries.map((e) => /\(([^:]+:\d+)/.exec(e)![1])).toEqual(['src/a.ts:4', 'src/b.ts:2', 'src/a.ts:2', 'src/a.ts:3']);
    expect(entries[0]).toContain('INSTEAD: Parse data with `JSON.parse(text)`');
    expect(section).not.toContain('yaml');
  });

  it('keeps to the token budget, dropping the least severe and saying so', async () => {
    const dir = repo(files);
    const section = (await patternsSection({ workspaceDir: dir, files: ['src/a.ts'], patterns: catalogueAsPatterns(), budgetTokens: 200 }))!;
    const entries = section.split('\n').filter((l) => l.startsWith('- DO NOT:'));
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(entries.length).toBeLessThan(4);
    expect(entries[0]).toContain('src/a.ts:4');
    expect(section).toMatch(/less severe patterns? left out to stay within the prompt budget/);
  });

  it('uses a project\'s wording, leaves out switched-off rules, and places a pattern no rule detects by its example', async () => {
    const dir = repo(files);
    const patterns: ActivePattern[] = [
      { key: 'js/eval', rule: 'js/eval', title: 'eval', severity: 'critical', doNot: 'Call eval on request data', instead: 'Use `parseExpression()` from src/expr.ts' },
      { key: 'finding:money', rule: null, title: 'Money as floats', severity: 'high', doNot: 'Store money as floating-point numbers', instead: 'Keep integer cents', example: { file: 'src/b.ts', line: 2 } },
    ];
    const section = (await patternsSection({ workspaceDir: dir, files: ['src/a.ts'], patterns }))!;
    expect(section).toContain('- DO NOT: Call eval on request data (src/a.ts:4: `return eval(x);`) INSTEAD: Use `parseExpression()` from src/expr.ts');
    expect(section).toContain('- DO NOT: Store money as floating-point numbers (src/b.ts:2) INSTEAD: Keep integer cents');
    expect(section).not.toContain('catch');
  });

  it('never puts a secret found in the code into the prompt: its value is redacted', async () => {
    const dir = repo({ 'src/pay.ts': "export const STRIPE_SECRET_KEY = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';\n" });
    const section = (await patternsSection({ workspaceDir: dir, files: ['src/pay.ts'], patterns: catalogueAsPatterns() }))!;
    expect(section).toContain("src/pay.ts:1: `export const STRIPE_SECRET_KEY = '<redacted>';`");
    expect(section).not.toContain('4eC39HqLyjWDarjtT1zdp7dc');
  });

  it('is undefined for a clean file in a clean folder, and for a file the task creates', async () => {
    const dir = repo({ ...files, 'lib/ok.ts': 'export const add = (a: number, b: number) => a + b;\n' });
    expect(await patternsSection({ workspaceDir: dir, files: ['lib/ok.ts'], patterns: catalogueAsPatterns() })).toBeUndefined();
    expect(await patternsSection({ workspaceDir: dir, files: ['new/thing.ts'], patterns: catalogueAsPatterns() })).toBeUndefined();
  });
});

describe('the diff guard', () => {
  it('reads added line numbers from a zero-context diff', () => {
    const diff = 'diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -3,0 +4,2 @@\n+a\n+b\n@@ -9 +11 @@\n-c\n+d\ndiff --git a/y.ts b/y.ts\n--- a/y.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n';
    expect(addedLines(diff)).toEqual(new Map([['x.ts', new Set([4, 5, 11])]]));
  });

  it('flags patterns on new lines (edited and untracked files), never on old ones, and skips switched-off rules', async () => {
    const dir = repo({ 'src/old.ts': "export const q = (id: string) => 'SELECT * FROM t WHERE id = ' + id;\nexport const one = 1;\n" });
    writeFileSync(path.join(dir, 'src/old.ts'), "export const q = (id: string) => 'SELECT * FROM t WHERE id = ' + id;\nexport const one = 1;\nexport const two = (x: string) => eval(x);\n");
    writeFileSync(path.join(dir, 'src/new.py'), 'import pickle\n\ndef load(b):\n    return pickle.loads(b)\n');
    const found = await guardChange({ workspaceDir: dir, baseRef: 'main', rules: guardRules() });
    expect(found.map((f) => `${f.file}:${f.line}:${f.rule}`)).toEqual(['src/new.py:4:py/pickle-loads', 'src/old.ts:3:js/eval']);
    const quieter = await guardChange({ workspaceDir: dir, baseRef: 'main', rules: guardRules(['js/eval']) });
    expect(quieter.map((f) => f.rule)).toEqual(['py/pickle-loads']);
  });
});
