import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../..');
const run = promisify(execFile);
async function nightshift(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [join(ROOT, 'bin/nightshift.js'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}


describe('nightshift spec', () => {
  it('spec score prints score, accepted and findings for a good and a vague spec', async () => {
    const good = await nightshift('spec', 'score', 'test/fixtures/specs/good-spec.md');
    expect(good.code).toBe(0);
    const g = JSON.parse(good.stdout);
    expect(Object.keys(g)).toEqual(['score', 'accepted', 'findings']);
    expect(g.accepted).toBe(true);
    expect(g.score).toBeGreaterThanOrEqual(70);

    const vague = await nightshift('spec', 'score', 'test/fixtures/specs/vague-spec.md');
    expect(vague.code).toBe(0);
    const v = JSON.parse(vague.stdout);
    expect(v.accepted).toBe(false);
    expect(v.score).toBeLessThan(70);
    expect(v.findings).toContainEqual({ section: 'Acceptance criteria', line: 9, message: expect.stringMatching(/not testable/) });
    for (const f of v.findings) expect(Object.keys(f).filter((k) => !['section', 'line', 'message'].includes(k))).toEqual([]);
  });

  it('spec score exits 2 with a clear message for a missing file', async () => {
    const r = await nightshift('spec', 'score', 'no/such/spec.md');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read no/such/spec.md: no such file');
    expect(r.stdout).toBe('');
  });

  it('spec import-speckit prints the imported spec', async () => {
    const r = await nightshift('spec', 'import-speckit', 'test/fixtures/speckit/note-tags');
    expect(r.code).toBe(0);
    const spec = JSON.parse(r.stdout);
    expect(spec.title).toBe('Tags for notes');
    expect(spec.tasks[0]).toMatchObject({ id: 'T001', files: ['backend/migrations/0004_note_tags.py'], dependsOn: [], parallelSafe: false });
  });
});
