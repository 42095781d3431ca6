/**
 * Which directories a sparse worktree materialises for a task: the directory of every declared
 * file, so its neighbours (siblings, tests beside it, index files) are present too. Cone mode
 * also includes every file at the repository root (package.json, configs).
 */
import { posix } from 'node:path';

export function sparseDirectories(files: string[]): string[] {
  const dirs = new Set<string>();
  for (const raw of files) {
    const file = raw.replace(/\\/g, '/').replace(/^\.\//, '');
    if (!file || posix.isAbsolute(file) || file.split('/').includes('..')) {
      throw new Error(`task file "${raw}" must be a path inside the repository`);
    }
    const dir = posix.dirname(posix.normalize(file));
    if (dir !== '.') dirs.add(dir);
  }
  // A directory inside another listed one is already covered by cone mode.
  const sorted = [...dirs].sort();
  return sorted.filter((d) => !sorted.some((o) => o !== d && d.startsWith(`${o}/`)));
}

/** Escape the characters gitignore-style patterns treat specially. */
function escapePattern(dir: string): string {
  return dir.replace(/([\\*?[\]!#])/g, '\\$1');
}

/**
 * The `info/sparse-checkout` file git itself writes for `sparse-checkout set --cone DIRS`:
 * root files, then for each ancestor its files but not its subdirectories, then each directory
 * in full. Writing it directly saves a git process per worktree.
 */
export function conePatterns(dirs: string[]): string {
  const parents = new Set<string>();
  for (const d of dirs) {
    const parts = d.split('/');
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join('/'));
  }
  const leaves = new Set(dirs);
  const lines = ['/*', '!/*/'];
  // Same order as git: every ancestor (files only), then every directory taken in full.
  for (const p of [...parents].filter((p) => !leaves.has(p)).sort()) lines.push(`/${escapePattern(p)}/`, `!/${escapePattern(p)}/*/`);
  for (const l of [...leaves].sort()) lines.push(`/${escapePattern(l)}/`);
  return `${lines.join('\n')}\n`;
}
