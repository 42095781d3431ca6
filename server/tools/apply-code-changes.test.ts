import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTool } from './define-tool';
import { applyCodeChangesTool } from './apply-code-changes';

let root: string;
let ws: string;
const ctx = () => ({ workspaceDir: ws });
const read = (p: string) => readFile(path.join(ws, p), 'utf8');

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ns-apply-'));
  ws = path.join(root, 'ws');
  await mkdir(path.join(ws, 'src'), { recursive: true });
  await writeFile(path.join(ws, 'src', 'a.ts'), 'export function a() {\n  return 1;\n}\n');
  await writeFile(path.join(ws, 'src', 'b.ts'), 'export const b = 2;\r\nexport const c = 3;\r\n');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('apply_code_changes', () => {
  it('applies replace and create changes and reports the unified diff', async () => {
    const res = await runTool(applyCodeChangesTool, 
      {
        changes: [
          { path: 'src/a.ts', mode: 'replace', search: 'return 1;', replace: 'return 42;' },
          { path: 'src/b.ts', mode: 'replace', search: 'export const c = 3;\n', replace: 'export const c = 4;\n' },
          { path: 'src/new/c.ts', mode: 'create', content: 'export const d = 5;\n' },
        ],
      },
      ctx(),
    );
    expect(res.isError).toBeFalsy();
    expect(await read('src/a.ts')).toBe('export function a() {\n  return 42;\n}\n');
    expect(await read('src/b.ts')).toBe('export const b = 2;\r\nexport const c = 4;\r\n');
    expect(await read('src/new/c.ts')).toBe('export const d = 5;\n');
    expect(res.output).toContain('--- a/src/a.ts');
    expect(res.output).toContain('-  return 1;');
    expect(res.output).toContain('+  return 42;');
    expect(res.output).toContain('--- /dev/null');
    expect(res.output).toContain('+++ b/src/new/c.ts');
  });

  it('writes nothing when any change fails, and names the failing change', async () => {
    const before = await read('src/a.ts');
    const res = await runTool(applyCodeChangesTool, 
      {
        changes: [
          { path: 'src/a.ts', mode: 'replace', search: 'return 1;', replace: 'return 2;' },
          { path: 'src/new.ts', mode: 'create', content: 'x' },
          { path: 'src/b.ts', mode: 'replace', search: 'export const z = 9;\n', replace: '' },
        ],
      },
      ctx(),
    );
    expect(res.isError).toBe(true);
    expect(res.output).toMatch(/^change 3 \(src\/b\.ts\) not applied, nothing was written/);
    expect(res.output).toMatch(/Did you mean lines/);
    expect(await read('src/a.ts')).toBe(before);
    await expect(stat(path.join(ws, 'src/new.ts'))).rejects.toThrow();
  });

  it('create refuses to overwrite an existing file unless overwrite is true', async () => {
    const refused = await runTool(applyCodeChangesTool, { changes: [{ path: 'src/a.ts', mode: 'create', content: 'new' }] }, ctx());
    expect(refused.isError).toBe(true);
    expect(refused.output).toMatch(/already exists/);
    expect(await read('src/a.ts')).toContain('return 1;');
    const done = await runTool(applyCodeChangesTool, { changes: [{ path: 'src/a.ts', mode: 'create', content: 'new', overwrite: true }] }, ctx());
    expect(done.isError).toBeFalsy();
    expect(await read('src/a.ts')).toBe('new');
  });

  it('writes atomically: no temporary files are left and file modes are kept', async () => {
    await chmod(path.join(ws, 'src', 'a.ts'), 0o755);
    const res = await runTool(applyCodeChangesTool, { changes: [{ path: 'src/a.ts', mode: 'replace', search: 'return 1;', replace: 'return 3;' }] }, ctx());
    expect(res.isError).toBeFalsy();
    expect((await readdir(path.join(ws, 'src'))).sort()).toEqual(['a.ts', 'b.ts']);
    expect((await stat(path.join(ws, 'src', 'a.ts'))).mode & 0o777).toBe(0o755);
  });

  it('refuses paths outside the workspace, including through a symlink', async () => {
    const outside = path.join(root, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'x.txt'), 'keep');
    await symlink(outside, path.join(ws, 'link'));
    for (const p of ['../outside/x.txt', '/tmp/x.txt', 'link/x.txt', 'link/created.txt']) {
      const res = await runTool(applyCodeChangesTool, { changes: [{ path: p, mode: 'create', content: 'pwned', overwrite: true }] }, ctx());
      expect(res.isError, p).toBe(true);
    }
    expect(await readFile(path.join(outside, 'x.txt'), 'utf8')).toBe('keep');
    expect(await readdir(outside)).toEqual(['x.txt']);
  });

  it('rejects malformed arguments as tool errors', async () => {
    expect((await runTool(applyCodeChangesTool, {}, ctx())).isError).toBe(true);
    expect((await runTool(applyCodeChangesTool, { changes: [] }, ctx())).isError).toBe(true);
    const bad = await runTool(applyCodeChangesTool, { changes: [{ path: 'src/a.ts', mode: 'replace', search: 'x' }] }, ctx());
    expect(bad.output).toMatch(/needs "replace"/);
  });

  it('has a described schema for every field', () => {
    const item = (applyCodeChangesTool.parameters.properties.changes as { items: { properties: Record<string, { description?: string }> } }).items;
    for (const [name, field] of Object.entries(item.properties)) expect(field.description, name).toBeTruthy();
    expect(applyCodeChangesTool.description.length).toBeGreaterThan(200);
  });
});
