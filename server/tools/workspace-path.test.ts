import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveWorkspacePath } from './workspace-path';

let root: string;
let ws: string;
let outside: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ns-wspath-'));
  ws = path.join(root, 'ws');
  outside = path.join(root, 'outside');
  await mkdir(path.join(ws, 'src'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
  await writeFile(path.join(ws, 'src', 'a.ts'), 'a');
  await symlink(outside, path.join(ws, 'escape'));
  await symlink(path.join(outside, 'secret.txt'), path.join(ws, 'secret-link'));
  await symlink(path.join(ws, 'src'), path.join(ws, 'inner-link'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('resolveWorkspacePath', () => {
  it('accepts relative paths inside the workspace, existing or not', async () => {
    const a = await resolveWorkspacePath(ws, 'src/a.ts');
    expect(a).toMatchObject({ ok: true, rel: 'src/a.ts' });
    expect(await resolveWorkspacePath(ws, './src//new/file.ts')).toMatchObject({ ok: true, rel: 'src/new/file.ts' });
    expect(await resolveWorkspacePath(ws, 'inner-link/a.ts')).toMatchObject({ ok: true, rel: 'inner-link/a.ts' });
  });

  it('refuses absolute paths and ".." segments', async () => {
    for (const p of ['/etc/passwd', path.join(ws, 'src/a.ts'), 'C:/x', '../outside/secret.txt', 'src/../../outside', 'src\\..\\..\\x']) {
      const r = await resolveWorkspacePath(ws, p);
      expect(r.ok, p).toBe(false);
    }
    expect(await resolveWorkspacePath(ws, '')).toMatchObject({ ok: false });
    expect(await resolveWorkspacePath(ws, 42)).toMatchObject({ ok: false });
  });

  it('refuses symlinks that lead outside, also for files not yet created below them', async () => {
    for (const p of ['escape/secret.txt', 'escape/new.txt', 'secret-link', 'escape']) {
      const r = await resolveWorkspacePath(ws, p);
      expect(r, p).toMatchObject({ ok: false });
      if (!r.ok) expect(r.error).toMatch(/outside the workspace/);
    }
  });
});
