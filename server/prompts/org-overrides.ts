import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { BUILT_IN_PROMPTS_DIR } from './library';
import { parsePromptFile, type PromptKind } from './template';

/** Largest prompt override an admin may save; built-in prompts are a few KB each. */
export const MAX_PROMPT_OVERRIDE_BYTES = 64 * 1024;

export type PromptFile = { path: string; id: string; kind: PromptKind; version: string };

function markdownPaths(root: string, dir = root): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...markdownPaths(root, full));
    else if (name.endsWith('.md') && name !== 'README.md') out.push(relative(root, full).split(sep).join('/'));
  }
  return out;
}

/** The built-in prompt files an organisation may override, by path under prompts/. */
export function listPromptFiles(builtInDir = BUILT_IN_PROMPTS_DIR): PromptFile[] {
  return markdownPaths(builtInDir).map((path) => {
    const t = parsePromptFile(readFileSync(join(builtInDir, path), 'utf8'), path);
    return { path, id: t.id, kind: t.kind, version: t.version };
  });
}

/** A built-in prompt file's text, or undefined for a path that is not one (never leaves the folder). */
export function readBuiltInPrompt(path: string, builtInDir = BUILT_IN_PROMPTS_DIR): string | undefined {
  if (!markdownPaths(builtInDir).includes(path)) return undefined;
  return readFileSync(join(builtInDir, path), 'utf8');
}

/**
 * Checks an override before it is saved: it must be a prompt file the composer can parse, and it
 * keeps the built-in file's id, so it replaces that prompt instead of colliding with another.
 */
export function checkPromptOverride(path: string, content: string, builtInDir = BUILT_IN_PROMPTS_DIR): { ok: true } | { ok: false; error: string } {
  const builtIn = readBuiltInPrompt(path, builtInDir);
  if (builtIn === undefined) return { ok: false, error: `"${path}" is not a built-in prompt file (pick one from the list)` };
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > MAX_PROMPT_OVERRIDE_BYTES) return { ok: false, error: `the prompt is ${bytes} bytes; the limit is ${MAX_PROMPT_OVERRIDE_BYTES} bytes` };
  let id: string;
  try {
    id = parsePromptFile(content, path).id;
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const expected = parsePromptFile(builtIn, path).id;
  if (id !== expected) return { ok: false, error: `${path}: keep "id: ${expected}" in the frontmatter (got "${id}"); an override replaces that prompt` };
  return { ok: true };
}

/**
 * The prompts folder an organisation's agents compose from: the built-in folder itself when there
 * are no overrides, otherwise a copy with the overridden files replaced, under `root`. The copy is
 * named by a hash of the overrides, so a changed override gets a new folder (the prompt library
 * caches per folder) and concurrent workers building the same one do not clash.
 */
export function promptDirWithOverrides(overrides: Record<string, string>, root: string, builtInDir = BUILT_IN_PROMPTS_DIR): string {
  const paths = Object.keys(overrides).sort();
  if (paths.length === 0) return builtInDir;
  const hash = createHash('sha256');
  hash.update(builtInDir);
  for (const p of paths) hash.update(`\0${p}\0${overrides[p]}`);
  const dir = resolve(root, hash.digest('hex').slice(0, 24));
  if (existsSync(dir)) {
    touch(dir);
    return dir;
  }
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  mkdirSync(dirname(tmp), { recursive: true });
  cpSync(builtInDir, tmp, { recursive: true });
  for (const p of paths) {
    const target = resolve(tmp, p);
    // Paths were checked on save; this keeps a bad row from writing outside the copy anyway.
    if (!target.startsWith(tmp + sep)) continue;
    writeFileSync(target, overrides[p]);
  }
  try {
    renameSync(tmp, dir);
  } catch {
    // Another worker finished the same folder first: theirs is identical.
    rmSync(tmp, { recursive: true, force: true });
  }
  pruneUnused(root, dir);
  return dir;
}

/**
 * A prompt folder nobody asked for in this long is removed when a new folder is made: every saved
 * override version makes one. Tasks (and resumed tasks) ask for their folder when they start, and
 * none runs for a week.
 */
export const PROMPT_FOLDER_UNUSED_MS = 7 * 24 * 3600 * 1000;

/** Marks a folder as used now (its mtime), so pruning leaves it alone. */
function touch(dir: string): void {
  const now = new Date();
  try {
    utimesSync(dir, now, now);
  } catch {
    // Pruned between the check and now by another worker: the caller's next call rebuilds it.
  }
}

function pruneUnused(root: string, keep: string, now = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const full = resolve(root, name);
    if (full === keep) continue;
    try {
      if (now - statSync(full).mtimeMs > PROMPT_FOLDER_UNUSED_MS) rmSync(full, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove: pruning is best effort.
    }
  }
}
