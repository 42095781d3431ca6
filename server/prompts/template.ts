import { parse as parseYaml } from 'yaml';

/** Where a prompt applies. `kind` decides its slot in the composed system prompt. */
export const PROMPT_KINDS = ['base', 'role', 'phase', 'family', 'stack', 'failure'] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];

export interface PromptTemplate {
  id: string;
  version: string;
  kind: PromptKind;
  /** Roles it applies to (empty: all). */
  roles: string[];
  phases: string[];
  families: string[];
  stacks: string[];
  /** Failure modes it answers (kind failure). */
  when: string[];
  body: string;
  /** File it came from (built-in or a repository override). */
  source: string;
}

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v).trim()).filter(Boolean);
}

/** Parses one prompt file; errors name the file and the field so an override author can fix it. */
export function parsePromptFile(text: string, source: string): PromptTemplate {
  const m = FRONTMATTER.exec(text);
  if (!m) throw new Error(`${source}: a prompt starts with YAML frontmatter between --- lines (id, version, kind…)`);
  let meta: Record<string, unknown>;
  try {
    meta = (parseYaml(m[1]) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${source}: frontmatter is not valid YAML: ${(err as Error).message}`);
  }
  const id = typeof meta.id === 'string' ? meta.id.trim() : '';
  if (!id) throw new Error(`${source}: frontmatter needs an "id"`);
  const kind = String(meta.kind ?? (meta.role ? 'role' : '')) as PromptKind;
  if (!PROMPT_KINDS.includes(kind)) throw new Error(`${source}: "kind" must be one of ${PROMPT_KINDS.join(', ')} (got "${String(meta.kind)}")`);
  return {
    id,
    version: String(meta.version ?? '1'),
    kind,
    roles: list(meta.role),
    phases: list(meta.phase),
    families: list(meta.family),
    stacks: list(meta.stack),
    when: list(meta.when),
    body: m[2].trim(),
    source,
  };
}

/** Replaces `{{name}}` with variables[name]; unknown names become empty and are reported. */
export function renderTemplate(body: string, variables: Record<string, string>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = body.replace(/\{\{\s*([a-zA-Z0-9_.-]+)\s*\}\}/g, (_, name: string) => {
    if (name in variables) return variables[name];
    missing.push(name);
    return '';
  });
  return { text: text.replace(/\n{3,}/g, '\n\n'), missing };
}
