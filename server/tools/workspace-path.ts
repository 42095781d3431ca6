import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';

export type WorkspacePath = { ok: true; abs: string; rel: string } | { ok: false; error: string };

/**
 * Resolve a model-supplied path inside the workspace. Refuses absolute paths, `..` segments and
 * paths whose existing part resolves (through symlinks) outside the workspace, so a tool can never
 * read or write beyond it. The path need not exist (files being created).
 */
export async function resolveWorkspacePath(workspaceDir: string, input: unknown): Promise<WorkspacePath> {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, error: 'a path is required (relative to the workspace root, e.g. "src/index.ts")' };
  if (input.includes('\0')) return { ok: false, error: 'the path contains a NUL character' };
  const unified = input.replace(/\\/g, '/');
  if (path.isAbsolute(input) || unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) {
    return { ok: false, error: `"${input}" is absolute; give a path relative to the workspace root` };
  }
  const segments = unified.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { ok: false, error: `"${input}" contains "..": paths must stay inside the workspace` };
  const rel = segments.join('/') || '.';
  const root = await realpath(workspaceDir);
  const abs = path.join(root, ...segments);
  // Walk up to the deepest part that exists and check where it really points.
  let probe = abs;
  for (;;) {
    const exists = await lstat(probe).then(() => true, () => false);
    if (exists) break;
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  const real = await realpath(probe).catch(() => null);
  if (real === null) return { ok: false, error: `"${input}" points through a broken symlink` };
  if (real !== root && !real.startsWith(root + path.sep)) {
    return { ok: false, error: `"${input}" leads outside the workspace (through a symlink); only files inside it can be used` };
  }
  return { ok: true, abs, rel };
}
