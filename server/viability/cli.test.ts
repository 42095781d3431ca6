import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreSpec } from '../specs/score';
import { RULES } from './catalogue';

const ROOT = path.join(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/viability/repo');
const run = promisify(execFile);

async function nightshift(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [path.join(ROOT, 'bin/nightshift.js'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const lastLine = (out: string) => JSON.parse(out.trimEnd().split('\n').at(-1)!);

const temps: string[] = [];
function copyOfFixture(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'viability-cli-'));
  temps.push(d);
  cpSync(FIXTURE, d, { recursive: true });
  return d;
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('nightshift viability scan', () => {
  it('--json prints one line: the findings with rule, file, line, message, instead, and the rule count', async () => {
    const r = await nightshift('viability', 'scan', '--repo', FIXTURE, '--json');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const out = lastLine(r.stdout);
    expect(Object.keys(out).slice(0, 2)).toEqual(['findings', 'rulesChecked']);
    expect(out.rulesChecked).toBe(RULES.length);
    expect(out.findings.length).toBeGreaterThanOrEqual(RULES.length);
    for (const f of out.findings) expect(Object.keys(f)).toEqual(['rule', 'file', 'line', 'message', 'instead']);
    expect(out.findings).toContainEqual(expect.objectContaining({ rule: 'py/yaml-load', file: 'py/app.py', line: 42 }));
    expect(out.problems).toContainEqual(expect.objectContaining({ file: 'src/broken.ts', kind: 'parse-error' }));
  });

  it('without --json lists each finding with its alternative and still ends with the JSON line', async () => {
    const r = await nightshift('viability', 'scan', '--repo', FIXTURE, '--rule', 'js/sql-concat', '--rule', 'py/pickle-loads');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('src/db.ts:7  js/sql-concat');
    expect(r.stdout).toContain('instead: Keep the SQL text constant');
    const out = lastLine(r.stdout);
    expect(out.rulesChecked).toBe(2);
    expect(new Set(out.findings.map((f: { rule: string }) => f.rule))).toEqual(new Set(['js/sql-concat', 'py/pickle-loads']));
  });

  it('refuses a missing directory and an unknown rule with exit code 2 and a message', async () => {
    const missing = await nightshift('viability', 'scan', '--repo', '/nonexistent/repo', '--json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/repo: no such directory');
    const unknown = await nightshift('viability', 'scan', '--repo', FIXTURE, '--rule', 'js/nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown rule "js\/nope"; rules are: js\/sql-concat/);
    const noRepo = await nightshift('viability', 'scan');
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toContain('--repo DIR is required');
  });

  it('says so when a directory has nothing to scan', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'viability-empty-'));
    temps.push(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'no code here\n');
    const r = await nightshift('viability', 'scan', '--repo', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no JavaScript, TypeScript or Python files to scan');
    expect(lastLine(r.stdout)).toMatchObject({ findings: [], filesScanned: 0 });
  });
});

describe('nightshift viability cleanup', () => {
  it('writes a spec the spec gate accepts, naming the files, lines, the scan and the test command', async () => {
    const repo = copyOfFixture();
    writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'fixture', scripts: { test: 'vitest run' } }));
    const out = path.join(repo, 'cleanup.md');
    const r = await nightshift('viability', 'cleanup', '--repo', repo, '--rule', 'js/sql-concat', '--out', out);
    expect(r.code).toBe(0);
    expect(lastLine(r.stdout)).toMatchObject({ rule: 'js/sql-concat', occurrences: 4, files: 1, accepted: true });
    const md = readFileSync(out, 'utf8');
    const gate = scoreSpec(md);
    expect(gate.accepted).toBe(true);
    expect(gate.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(md).toContain('- `src/db.ts` lines 7, 11, 17, 22');
    expect(md).toContain('`npx nightshift viability scan --repo . --rule js/sql-concat --json` prints a last line whose findings list is empty anywhere in the repository (it lists 4 there before this change)');
    expect(md).toContain('- Changes `src/db.ts`: `findUser`, `findByName`, `search`, `removeUser` (lines 7, 11, 17, 22).');
    // Grounded in the repository: every file and name it cites exists there.
    const grounded = await nightshift('spec', 'score', out, '--repo', repo);
    expect(JSON.parse(grounded.stdout)).toMatchObject({ score: 100, accepted: true, findings: [] });
    expect(md).toContain('`npm test` exits with code 0');
    expect(md).toMatch(/## What not to build\n\n- No changes to files other than the file listed above/);
  });

  it('its acceptance holds once the lines are fixed: the scan then reports nothing and cleanup has nothing to do', async () => {
    const repo = copyOfFixture();
    const db = path.join(repo, 'src/db.ts');
    const fixed = readFileSync(db, 'utf8')
      .replace("pool.query('SELECT * FROM users WHERE id = ' + id)", "pool.query('SELECT * FROM users WHERE id = $1', [id])")
      .replace("`SELECT id, email FROM users WHERE name = '${name}'`", "'SELECT id, email FROM users WHERE name = $1'")
      .replace('return pool.query(text);', 'return pool.query(text, [name]);')
      .replace(`query += " AND title LIKE '%" + term + "%'";`, "query += ' AND title LIKE $1';")
      .replace('pool.query(`DELETE FROM sessions WHERE user_id = ${id}`)', "pool.query('DELETE FROM sessions WHERE user_id = $1', [id])");
    writeFileSync(db, fixed);
    const scan = await nightshift('viability', 'scan', '--repo', repo, '--rule', 'js/sql-concat', '--json');
    expect(lastLine(scan.stdout).findings).toEqual([]);
    const out = path.join(repo, 'none.md');
    const r = await nightshift('viability', 'cleanup', '--repo', repo, '--rule', 'js/sql-concat', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing to clean up: rule js/sql-concat does not fire');
    expect(existsSync(out)).toBe(false);
  });

  it('without --rule takes the most severe rule that fires', async () => {
    const out = path.join(copyOfFixture(), 'top.md');
    const r = await nightshift('viability', 'cleanup', '--repo', FIXTURE, '--out', out);
    expect(r.code).toBe(0);
    const res = lastLine(r.stdout);
    expect(RULES.find((x) => x.id === res.rule)?.severity).toBe('critical');
    expect(scoreSpec(readFileSync(out, 'utf8')).accepted).toBe(true);
  });

  it('needs --out', async () => {
    const r = await nightshift('viability', 'cleanup', '--repo', FIXTURE);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out FILE.md is required');
  });
});
