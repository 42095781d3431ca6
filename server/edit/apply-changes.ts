import { replaceInText } from './replace-in-text';
import type { EditChange, MatchLevel, Refusal } from './types';

/** What one change did, for the tool's report. */
export type ChangeReport = { index: number; path: string; mode: EditChange['mode']; level?: MatchLevel; line?: number };

export type PlannedFile = { path: string; before: string | null; after: string };

export type ApplyPlan =
  | { ok: true; files: PlannedFile[]; changes: ChangeReport[] }
  | { ok: false; index: number; path: string; refusal: Refusal; message: string };

/**
 * Compute every change of one call in memory, in order (a later change sees the earlier ones).
 * Nothing is written here: the caller writes `files` only when the whole plan is ok, so one bad
 * change leaves every file untouched.
 *
 * @param changes already parsed (the tool's and the CLI's zod schema, `editChangeSchema`)
 * @param read current content of a path, or null when the file does not exist
 */
export function planChanges(changes: readonly EditChange[], read: (path: string) => string | null): ApplyPlan {
  const current = new Map<string, string | null>();
  const original = new Map<string, string | null>();
  const reports: ChangeReport[] = [];
  const load = (path: string): string | null => {
    if (!current.has(path)) {
      const text = read(path);
      current.set(path, text);
      original.set(path, text);
    }
    return current.get(path) ?? null;
  };

  if (changes.length === 0) return fail(-1, '', { kind: 'invalid', message: 'no changes given; pass at least one change' });
  for (let index = 0; index < changes.length; index++) {
    const change = changes[index];
    const text = load(change.path);
    if (change.mode === 'create') {
      // An existing empty file holds nothing to lose, so creating over it needs no overwrite flag.
      if (text !== null && text !== '' && !change.overwrite) {
        return fail(index, change.path, { kind: 'file-exists', message: `${change.path} already exists; use mode "replace" to edit it, or set overwrite: true to replace the whole file` });
      }
      current.set(change.path, change.content);
      reports.push({ index, path: change.path, mode: 'create' });
      continue;
    }
    if (text === null) {
      return fail(index, change.path, { kind: 'file-missing', message: `${change.path} does not exist; use mode "create" to make a new file` });
    }
    const outcome = replaceInText(text, change.search, change.replace);
    if (!outcome.ok) return fail(index, change.path, outcome.refusal);
    current.set(change.path, outcome.content);
    reports.push({ index, path: change.path, mode: 'replace', level: outcome.level, line: outcome.startLine });
  }
  const files: PlannedFile[] = [];
  for (const [path, after] of current) {
    const before = original.get(path) ?? null;
    if (after !== null && after !== before) files.push({ path, before, after });
  }
  return { ok: true, files, changes: reports };
}

function fail(index: number, path: string, refusal: Refusal): ApplyPlan {
  const where = index >= 0 ? `change ${index + 1}${path ? ` (${path})` : ''}` : 'changes';
  return { ok: false, index, path, refusal, message: `${where} not applied, nothing was written: ${refusal.message}` };
}
