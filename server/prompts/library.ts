import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePromptFile, type PromptTemplate } from './template';

/** The built-in prompts folder at the repository root. */
export const BUILT_IN_PROMPTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../prompts');
/** A repository's own prompts, overriding built-ins by id. */
export const OVERRIDES_FOLDER = 'system-prompts';

export interface PromptLibrary {
  templates: Map<string, PromptTemplate>;
  /** Ids a repository override replaced. */
  overridden: string[];
}

function markdownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...markdownFiles(full));
    else if (name.endsWith('.md') && name !== 'README.md') out.push(full);
  }
  return out;
}

const cache = new Map<string, PromptLibrary>();

/**
 * Loads built-in prompts, then the repository's `system-prompts/` over them (same id wins).
 * Loaded once per pair of folders: a run builds a prompt every turn.
 */
export function loadPromptLibrary(opts: { builtInDir?: string; overridesDir?: string } = {}): PromptLibrary {
  const builtIn = opts.builtInDir ?? BUILT_IN_PROMPTS_DIR;
  const key = `${builtIn}\0${opts.overridesDir ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const templates = new Map<string, PromptTemplate>();
  for (const file of markdownFiles(builtIn)) {
    const t = parsePromptFile(readFileSync(file, 'utf8'), relative(builtIn, file));
    if (templates.has(t.id)) throw new Error(`prompt id "${t.id}" is used by both ${templates.get(t.id)!.source} and ${t.source}`);
    templates.set(t.id, t);
  }
  const overridden: string[] = [];
  if (opts.overridesDir) {
    for (const file of markdownFiles(opts.overridesDir)) {
      const t = parsePromptFile(readFileSync(file, 'utf8'), `${OVERRIDES_FOLDER}/${relative(opts.overridesDir, file)}`);
      if (templates.has(t.id)) overridden.push(t.id);
      templates.set(t.id, t);
    }
  }
  const lib = { templates, overridden };
  cache.set(key, lib);
  return lib;
}
