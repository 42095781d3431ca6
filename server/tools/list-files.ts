import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { isGitWorktree, runGit } from './search-code';
import { z } from 'zod/v4';
import { defineTool, wholeNumber } from './define-tool';
import { toolError } from './types';
import { resolveWorkspacePath } from './workspace-path';

/** Entries listed per call. */
export const LIST_MAX_ENTRIES = 500;
/** Default and largest depth below the listed directory. */
export const LIST_DEFAULT_DEPTH = 3;
export const LIST_MAX_DEPTH = 20;

export const description = `List files in the workspace, skipping what .gitignore ignores (and .git itself). Directories are shown with a trailing "/" when depth cuts them off.
Use path to list a subdirectory, depth to limit how deep to go, and glob (e.g. "**/*.test.ts") to filter file names. At most ${LIST_MAX_ENTRIES} entries are listed.`;

export const listFilesTool = defineTool({
  name: 'list_files',
  description,
  parameters: z.object({
    path: z.string().optional().describe('Directory to list, relative to the workspace root (default ".").'),
    depth: wholeNumber().min(1).max(LIST_MAX_DEPTH).optional().describe(`How many directory levels below path to show (default ${LIST_DEFAULT_DEPTH}).`),
    glob: z.string().optional().describe('Only files whose path (relative to the workspace root) matches this glob, e.g. "src/**/*.ts" or "**/*.md".'),
  }),
  async execute(args, ctx) {
    const resolved = await resolveWorkspacePath(ctx.workspaceDir, args.path ?? '.');
    if (!resolved.ok) return toolError(resolved.error);
    const depth = args.depth ?? LIST_DEFAULT_DEPTH;
    const matchGlob = args.glob ? picomatch(args.glob, { dot: true }) : null;

    const files = (await isGitWorktree(ctx.workspaceDir)) ? await gitFiles(ctx.workspaceDir, ctx.signal) : await walkFiles(ctx.workspaceDir);
    if (typeof files === 'string') return toolError(files);
    const base = resolved.rel === '.' ? '' : `${resolved.rel}/`;
    const entries = new Set<string>();
    for (const file of files.sort()) {
      if (base && !file.startsWith(base)) continue;
      if (matchGlob && !matchGlob(file)) continue;
      const parts = file.slice(base.length).split('/');
      // Deeper than asked: show the directory at the cut-off instead.
      entries.add(parts.length > depth ? `${base}${parts.slice(0, depth).join('/')}/` : file);
    }
    if (entries.size === 0) {
      return { output: base ? `No files under ${resolved.rel}${args.glob ? ` matching ${args.glob}` : ''}.` : 'No files.', meta: { count: 0 } };
    }
    const list = [...entries];
    const shown = list.slice(0, LIST_MAX_ENTRIES);
    const note = list.length > shown.length ? `\n(${shown.length} of ${list.length} entries shown; narrow with path, depth or glob)` : '';
    return { output: shown.join('\n') + note, meta: { count: list.length } };
  },
});

/** Tracked plus untracked-but-not-ignored files, as git sees them. */
async function gitFiles(dir: string, signal?: AbortSignal): Promise<string[] | string> {
  const r = await runGit(dir, ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], signal);
  if (r.code !== 0) return `git ls-files failed: ${r.stderr.trim()}`;
  return [...new Set(r.stdout.split('\0').filter(Boolean))];
}

/** Outside git: walk the tree honouring .gitignore files (root and nested). */
async function walkFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (relDir: string, rules: Array<{ base: string; ig: Ignore }>): Promise<void> => {
    const abs = path.join(root, relDir);
    const gitignore = await readFile(path.join(abs, '.gitignore'), 'utf8').catch(() => null);
    const here = gitignore === null ? rules : [...rules, { base: relDir, ig: ignore().add(gitignore) }];
    const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const isDir = entry.isDirectory();
      const ignored = here.some(({ base, ig }) => {
        const sub = base ? rel.slice(base.length + 1) : rel;
        return ig.ignores(isDir ? `${sub}/` : sub);
      });
      if (ignored) continue;
      if (isDir) await visit(rel, here);
      else if (entry.isFile() || entry.isSymbolicLink()) out.push(rel);
    }
  };
  await visit('', []);
  return out;
}
