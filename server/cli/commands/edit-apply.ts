import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { planChanges } from '../../edit/apply-changes';
import type { EditChange } from '../../edit/types';
import { editChangeSchema } from '../../tools/apply-code-changes';

const USAGE = `usage: nightshift edit-apply < requests.jsonl

Reads one request per line: {"path": "...", "content": "<file text>" | null, "changes": [...]}
(content null = the file does not exist; a change's "path" defaults to the request's).
Writes one line per request, in order: {"ok": true, "content": "..."} or {"ok": false, "error": "..."}.
Nothing is read from or written to disk.
`;

/** The edit engine over JSON Lines, for benchmarks and scripts. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let out = '';
  for await (const line of lines) {
    if (line.trim() === '') continue;
    out += JSON.stringify(answer(line)) + '\n';
    // Flush in batches: one write per request is slow on a pipe, one write at the end delays output.
    if (out.length > 1 << 20) {
      process.stdout.write(out);
      out = '';
    }
  }
  if (out) process.stdout.write(out);
  return 0;
}

type Answer = { ok: true; content: string } | { ok: false; error: string };

export function answer(line: string): Answer {
  let request: { path?: unknown; content?: unknown; changes?: unknown };
  try {
    request = JSON.parse(line);
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  const path = typeof request.path === 'string' ? request.path : '';
  if (!path) return { ok: false, error: 'the request needs a "path"' };
  if (request.content !== null && typeof request.content !== 'string') return { ok: false, error: '"content" must be a string or null' };
  if (!Array.isArray(request.changes)) return { ok: false, error: '"changes" must be an array' };
  const content = request.content as string | null;
  const changes: EditChange[] = [];
  for (const [i, raw] of request.changes.entries()) {
    const withPath = typeof raw === 'object' && raw !== null && !('path' in raw) ? { ...raw, path } : raw;
    const parsed = editChangeSchema.safeParse(withPath);
    if (!parsed.success) return { ok: false, error: `change ${i + 1} not applied, nothing was written: ${parsed.error.issues.map((x) => (x.path.length ? `${x.path.join('.')}: ${x.message}` : x.message)).join('; ')}` };
    if (parsed.data.path !== path) return { ok: false, error: `every change must be for ${path}; this request holds only that file` };
    changes.push(parsed.data);
  }
  const plan = planChanges(changes, (p) => (p === path ? content : null));
  if (!plan.ok) return { ok: false, error: plan.message };
  const file = plan.files.find((f) => f.path === path);
  return { ok: true, content: file ? file.after : (content ?? '') };
}
