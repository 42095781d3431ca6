import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

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

const tmp = mkdtempSync(join(tmpdir(), 'nightshift-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('nightshift plan', () => {
  it('plan prints waves and planMs, and exits 2 naming a cycle', async () => {
    const ok = join(tmp, 'ok.json');
    writeFileSync(ok, JSON.stringify({ tasks: [{ id: 'a', files: ['x.ts'], dependsOn: [] }, { id: 'b', files: ['x.ts'], dependsOn: [] }, { id: 'c', files: ['y.ts'], dependsOn: ['a'] }] }));
    const r = await nightshift('plan', ok);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.waves).toEqual([['a'], ['b', 'c']]);
    expect(typeof out.planMs).toBe('number');

    const cyc = join(tmp, 'cycle.json');
    writeFileSync(cyc, JSON.stringify({ tasks: [{ id: 'api', files: ['a'], dependsOn: ['ui'] }, { id: 'ui', files: ['b'], dependsOn: ['api'] }] }));
    const bad = await nightshift('plan', cyc);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Dependency cycle between tasks "api", "ui"/);
  });

  it('plan exits 2 for a missing file and for a malformed one', async () => {
    expect((await nightshift('plan', join(tmp, 'missing.json'))).stderr).toMatch(/no such file/);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tasks: [{ files: ['a'] }] }));
    const r = await nightshift('plan', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tasks\.0\.id: Required/);
  });
});
