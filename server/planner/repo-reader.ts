import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizePath } from './types';

/** Reads a repo-relative file; undefined when it does not exist yet (a task may create it). */
export type FileReader = (path: string, repo?: string) => string | undefined | Promise<string | undefined>;

/** Imports sit at the top of a file; scanning past this many characters only costs time. */
export const MAX_SCAN_CHARS = 200_000;

/**
 * The one place the planner touches the disk: a reader over a checkout (or one checkout per repo
 * for multi-repo projects). Paths are normalised first, so `../` cannot leave the checkout.
 */
export function diskFileReader(repoDir: string | Record<string, string>): FileReader {
  return async (path, repo) => {
    const root = typeof repoDir === 'string' ? repoDir : repo !== undefined ? repoDir[repo] : undefined;
    if (root === undefined) return undefined;
    try {
      const text = await readFile(join(root, normalizePath(path)), 'utf8');
      return text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw err;
    }
  };
}
