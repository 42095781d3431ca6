import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { handleScoreRequest } from '../../components/spec-editor/score-protocol';

const ROOT = join(__dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/specs');
const run = promisify(execFile);
async function nightshift(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [join(ROOT, 'bin/nightshift.js'), ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every fixture of the calibration set, plus encoded twins of one of them written to a temp dir. */
function allFixtures(): string[] {
  const files = ['good-spec.md', 'vague-spec.md'].map((f) => join(FIXTURES, f));
  for (const dir of ['complete', 'vague', 'template', 'gaming']) {
    for (const f of readdirSync(join(FIXTURES, dir)).filter((x) => x.endsWith('.md')).sort()) files.push(join(FIXTURES, dir, f));
  }
  const tmp = mkdtempSync(join(tmpdir(), 'ns-spec-enc-'));
  const text = readFileSync(join(FIXTURES, 'complete/prd-team-invites.md'), 'utf8');
  const le = Buffer.from(`\ufeff${text.replace(/\n/g, '\r\n')}`, 'utf16le');
  writeFileSync(join(tmp, 'utf16le-crlf.md'), le);
  writeFileSync(join(tmp, 'utf8-bom.md'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
  writeFileSync(join(tmp, 'latin1.md'), Buffer.from(text.replace('Problem', 'Problème'), 'latin1'));
  files.push(join(tmp, 'utf16le-crlf.md'), join(tmp, 'utf8-bom.md'), join(tmp, 'latin1.md'));
  return files;
}

/** What the editor shows for a file: its worker decodes the bytes, then scores the text. */
function editorScore(file: string) {
  const bytes = readFileSync(file);
  const decoded = handleScoreRequest({ kind: 'decode', id: 1, name: file, bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  if (decoded.kind !== 'decode' || !decoded.ok) throw new Error(`editor could not open ${file}`);
  const scored = handleScoreRequest({ kind: 'score', id: 2, text: decoded.text, threshold: 70 });
  if (scored.kind !== 'score') throw new Error('unexpected response');
  return scored.result;
}

describe('nightshift spec score', () => {
  it('agrees with the editor on every fixture (score, breakdown, deductions, findings)', async () => {
    const files = allFixtures();
    // Two CLI processes at a time: the machine is shared.
    const queue = [...files];
    const worker = async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const r = await nightshift('spec', 'score', f);
        expect(r.code, `${f}: ${r.stderr}`).toBe(0);
        expect(JSON.parse(r.stdout), f).toEqual(editorScore(f));
      }
    };
    await Promise.all([worker(), worker()]);
  }, 600_000);

  it('prints score, acceptance, the breakdown and findings that name sections and lines', async () => {
    const r = await nightshift('spec', 'score', 'test/fixtures/specs/vague-spec.md');
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(Object.keys(v)).toEqual(['score', 'accepted', 'threshold', 'breakdown', 'deductions', 'findings']);
    expect(v.accepted).toBe(false);
    expect(v.breakdown.map((b: { concern: string }) => b.concern)).toEqual(['build', 'acceptance', 'scope', 'dependencies', 'tests', 'ui', 'questions']);
    expect(v.findings).toContainEqual(expect.objectContaining({ line: 21, code: 'clarification', blocking: true }));
  });

  it('exits 2 naming the file for a missing file, a directory and a binary file', async () => {
    const missing = await nightshift('spec', 'score', 'no/such/spec.md');
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain('cannot read no/such/spec.md: no such file');

    const dir = await nightshift('spec', 'score', 'test/fixtures/specs');
    expect(dir).toMatchObject({ code: 2, stdout: '' });
    expect(dir.stderr).toContain('test/fixtures/specs is a directory');

    const tmp = mkdtempSync(join(tmpdir(), 'ns-spec-bin-'));
    const random = join(tmp, 'random.md');
    writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => ((i * 2654435761) >>> 13) & 255)));
    for (const file of [process.execPath, random]) {
      const bin = await nightshift('spec', 'score', file);
      expect(bin).toMatchObject({ code: 2, stdout: '' });
      expect(bin.stderr).toContain(`${file} is not a text file`);
    }
  });

  it('scores an empty file 0 with the finding "empty"', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ns-spec-empty-'));
    writeFileSync(join(tmp, 'empty.md'), '');
    const r = await nightshift('spec', 'score', join(tmp, 'empty.md'));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.score).toBe(0);
    expect(out.findings).toEqual([expect.objectContaining({ code: 'empty', message: expect.stringMatching(/^empty/) })]);
  });
});

describe('nightshift spec import-speckit', () => {
  it('prints the imported spec; nightshift plan takes it as is and leaves done tasks out of the waves', async () => {
    const r = await nightshift('spec', 'import-speckit', 'test/fixtures/speckit/habit-tracker');
    expect(r.code).toBe(0);
    const spec = JSON.parse(r.stdout);
    expect(spec.title).toBe('Habit streaks in the CLI');
    expect(spec.tasks).toHaveLength(18);
    expect(spec.warnings).toEqual([]);
    const tmp = mkdtempSync(join(tmpdir(), 'ns-import-plan-'));
    writeFileSync(join(tmp, 'plan.json'), r.stdout);
    const plan = await nightshift('plan', join(tmp, 'plan.json'));
    expect(plan.code, plan.stderr).toBe(0);
    const out = JSON.parse(plan.stdout);
    expect(out.done).toEqual(['T001', 'T002', 'T003', 'T003b']);
    const planned = out.waves.flat();
    expect(planned).toHaveLength(14);
    for (const id of out.done) expect(planned).not.toContain(id);
    const waveOf = (id: string) => out.waves.findIndex((w: string[]) => w.includes(id));
    expect(waveOf('T012')).toBeGreaterThan(waveOf('T009')); // both change habit/main.py: kept in document order
  });

  it('reports duplicate ids, self-dependencies and missing targets on stderr and in the JSON', async () => {
    const r = await nightshift('spec', 'import-speckit', 'test/fixtures/speckit/broken-deps');
    expect(r.code).toBe(0);
    const spec = JSON.parse(r.stdout);
    for (const w of ['T002 appears twice', 'T002 (tasks.md line 6) depends on itself', 'depends on T009, which is not in tasks.md']) {
      expect(r.stderr).toContain(w);
      expect(spec.warnings.join('\n')).toContain(w);
    }
  });

  it('exits 2 naming a dependency cycle', async () => {
    const r = await nightshift('spec', 'import-speckit', 'test/fixtures/speckit/cycle');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tasks.md has a dependency cycle: T002 → T003 → T002');
    expect(JSON.parse(r.stdout).cycle).toEqual(['T002', 'T003', 'T002']);
  });

  it('exits 2 for a folder without spec.md', async () => {
    const r = await nightshift('spec', 'import-speckit', 'test/fixtures/speckit/habit-tracker/contracts');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no spec.md');
  });
});
