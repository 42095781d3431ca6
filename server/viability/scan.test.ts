import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RULES } from './catalogue';
import { languageOf } from './files';
import { scanRepository, scanSource, selectRules, UnknownRuleError } from './scan';

const FIXTURE = path.join(__dirname, '../../test/fixtures/viability/repo');
const MARKER_RE = /(?:\/\/|#)\s*expect:\s*([\w/\-, ]+)$/;

/** Every `expect: RULE` marker of the fixture repository, as `file:line:rule`. */
function expectedFindings(): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (languageOf(r)) {
        readFileSync(path.join(dir, e.name), 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const m = MARKER_RE.exec(line.trimEnd());
            if (m) for (const rule of m[1].split(',').map((s) => s.trim()).filter(Boolean)) out.add(`${r}:${i + 1}:${rule}`);
          });
      }
    }
  };
  walk(FIXTURE, '');
  return out;
}

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'viability-'));
  temps.push(d);
  return d;
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the rule catalogue', () => {
  it('has at least 20 rules across JS/TS and Python, each with a message and a concrete alternative', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(20);
    expect(RULES.filter((r) => r.language === 'js').length).toBeGreaterThanOrEqual(10);
    expect(RULES.filter((r) => r.language === 'python').length).toBeGreaterThanOrEqual(10);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.id).toMatch(/^(?:js|ts|py)\/[a-z0-9-]+$/);
      expect(r.message.length).toBeGreaterThan(30);
      // "Instead" names something to write: code in backticks, not advice like "be careful".
      expect(r.instead).toMatch(/`[^`]+`/);
    }
  });
});

describe('scanning the seeded fixture repository', () => {
  it('finds every seeded pattern at its line and nothing on the clean twins', async () => {
    const expected = expectedFindings();
    const result = await scanRepository(FIXTURE);
    const got = new Set(result.findings.map((f) => `${f.file}:${f.line}:${f.rule}`));
    const missing = [...expected].filter((k) => !got.has(k));
    const unexpected = [...got].filter((k) => !expected.has(k));
    expect({ missing, unexpected }).toEqual({ missing: [], unexpected: [] });
    expect(result.rulesChecked).toBe(RULES.length);
  });

  it('seeds every rule of the catalogue at least once', () => {
    const seeded = new Set([...expectedFindings()].map((k) => k.split(':')[2]));
    expect(RULES.map((r) => r.id).filter((id) => !seeded.has(id))).toEqual([]);
  });

  it('gives each finding the rule, the file, the line, the message, the alternative and the source line', async () => {
    const { findings } = await scanRepository(FIXTURE, { rules: ['js/sql-concat'] });
    const first = findings.find((f) => f.file === 'src/db.ts' && f.line === 7)!;
    expect(first).toMatchObject({ rule: 'js/sql-concat', severity: 'critical' });
    expect(first.instead).toContain('$1');
    expect(first.snippet).toBe("return pool.query('SELECT * FROM users WHERE id = ' + id); // expect: js/sql-concat");
    expect(new Set(findings.map((f) => f.rule))).toEqual(new Set(['js/sql-concat']));
  });

  it('reports a file that does not parse, with its line, and goes on with the others', async () => {
    const result = await scanRepository(FIXTURE);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'src/broken.ts', kind: 'parse-error', line: 2 }),
        expect.objectContaining({ file: 'py/broken.py', kind: 'parse-error', line: 1 }),
      ]),
    );
    expect(result.findings.some((f) => f.file === 'src/broken.ts' || f.file === 'py/broken.py')).toBe(false);
    expect(result.findings.some((f) => f.file === 'py/app.py')).toBe(true);
  });
});

describe('bad input', () => {
  it('a repository without code files scans to no findings and says nothing was scanned', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'README.md'), '# nothing to see\n');
    writeFileSync(path.join(dir, 'data.csv'), 'a,b\n1,2\n');
    const result = await scanRepository(dir);
    expect(result).toEqual({ findings: [], rulesChecked: RULES.length, filesScanned: 0, problems: [] });
  });

  it('skips a binary file with a source extension, and a minified bundle, reporting both', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'blob.js'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
    writeFileSync(path.join(dir, 'bundle.js'), `var a=1;${'eval(x);'.repeat(1000)}\n`);
    writeFileSync(path.join(dir, 'ok.js'), 'eval(input);\n');
    const result = await scanRepository(dir);
    expect(result.problems.map((p) => [p.file, p.kind])).toEqual([
      ['blob.js', 'binary'],
      ['bundle.js', 'minified'],
    ]);
    expect(result.findings.map((f) => `${f.file}:${f.line}:${f.rule}`)).toEqual(['ok.js:1:js/eval']);
  });

  it('in a git checkout, honours .gitignore and never scans node_modules', async () => {
    const dir = tempDir();
    execFileSync('git', ['init', '-q', dir]);
    mkdirSync(path.join(dir, 'node_modules/lib'), { recursive: true });
    mkdirSync(path.join(dir, 'generated'));
    writeFileSync(path.join(dir, '.gitignore'), 'generated/\n');
    writeFileSync(path.join(dir, 'node_modules/lib/index.js'), 'eval(x);\n');
    writeFileSync(path.join(dir, 'generated/out.js'), 'eval(x);\n');
    writeFileSync(path.join(dir, 'app.py'), 'import yaml\nyaml.load(open("c.yml"))\n');
    const result = await scanRepository(dir);
    expect(result.findings.map((f) => `${f.file}:${f.line}:${f.rule}`)).toEqual(['app.py:2:py/yaml-load']);
  });

  it('an unknown rule id is an error that lists the known ones', () => {
    expect(() => selectRules(['js/nope'])).toThrow(UnknownRuleError);
    expect(() => selectRules(['js/nope'])).toThrow(/js\/sql-concat/);
  });
});

describe('scanSource', () => {
  it('scans text that is not on disk (a diff guard scans new file contents)', async () => {
    const r = await scanSource('lib/util.py', 'import pickle\n\ndef load(b):\n    return pickle.loads(b)\n');
    expect(r.findings.map((f) => [f.rule, f.line])).toEqual([['py/pickle-loads', 4]]);
  });

  it('ignores files in languages it has no rules for', async () => {
    expect(await scanSource('main.go', 'package main\n')).toEqual({ findings: [] });
  });
});

describe('secrets found in the code stay out of findings', () => {
  // A finding's snippet travels to prompts, specs, the database and the page: the value must not.
  it('redacts the value of a hard-coded secret in the snippet, keeping the line readable', async () => {
    const { findings } = await scanRepository(FIXTURE, { rules: ['js/hardcoded-secret', 'py/hardcoded-secret'] });
    expect(findings.length).toBe(5);
    const text = JSON.stringify(findings);
    for (const value of ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'Pr0duction!2024', 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', 'sk_live_51HxYzAbCdEfGhIjKlMnOpQr', 'S3cr3t-Passw0rd']) {
      expect(text).not.toContain(value);
    }
    expect(findings.find((f) => f.file === 'src/secrets.ts' && f.line === 4)!.snippet).toBe("export const STRIPE_SECRET_KEY = '<redacted>'; // expect: js/hardcoded-secret");
    expect(findings.find((f) => f.file === 'py/app.py' && f.line === 16)!.snippet).toBe('DATABASE = {"password": "<redacted>"} # expect: py/hardcoded-secret');
  });
});
