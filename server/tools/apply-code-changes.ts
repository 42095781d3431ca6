import { readFile } from 'node:fs/promises';
import { createTwoFilesPatch } from 'diff';
import { z } from 'zod/v4';
import { planChanges } from '../edit/apply-changes';
import { writeFileAtomic } from '../edit/atomic-write';
import type { EditChange } from '../edit/types';
import { defineTool, flag } from './define-tool';
import { toolError } from './types';
import { resolveWorkspacePath } from './workspace-path';

/** Diff text returned to the model is cut here; the files are written in full regardless, and `meta.diffs` holds them whole. */
const MAX_DIFF_CHARS = 20_000;
/** More changes than this in one call are refused (a runaway generation, not an edit). */
const MAX_CHANGES = 50;

export const description = `Edit files in the workspace with search/replace blocks, or create new files.

Each change is either
- {"path", "mode": "replace", "search", "replace"}: "search" is a block of consecutive lines copied from the file (include 2-3 unchanged lines around the edit so it matches one place); it is replaced by "replace". An empty "replace" deletes the block.
- {"path", "mode": "create", "content"}: writes a new file; refused if the file exists unless "overwrite": true.

Matching tolerates small slips (line endings, trailing spaces, indentation, line-number prefixes copied from read_file, blank lines, "..." standing for unchanged lines kept in both search and replace, one slightly misremembered line), and the file keeps its own line endings and indentation style. It never guesses: if the search matches several places or none, nothing is written and the error says why (with the closest region, numbered, when nothing matched).
All changes of one call succeed together or none is written. The result shows the unified diff that was applied.`;

/** One change as the model sends it; the engine gets the typed `EditChange`. Also parses `nightshift edit-apply` requests. */
export const editChangeSchema = z
  .object({
    path: z.string().min(1).describe('File path relative to the workspace root, e.g. "src/app.ts".'),
    mode: z.enum(['replace', 'create']).describe('"replace" edits an existing file; "create" writes a new one.'),
    search: z.string().optional().describe('replace mode: the exact current lines to find, with a few unchanged lines of context so they match one place.'),
    replace: z.string().optional().describe('replace mode: the lines to put in their place ("" deletes them).'),
    content: z.string().optional().describe('create mode: the whole content of the new file.'),
    overwrite: flag().optional().describe('create mode: set true to replace an existing file entirely (default false).'),
  })
  .superRefine((c, ctx) => {
    const need = (field: 'search' | 'replace' | 'content', what: string) => {
      if (c[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `a "${c.mode}" change needs "${field}" (${what})` });
    };
    if (c.mode === 'replace') {
      need('search', 'the exact lines to find');
      need('replace', 'the new lines; "" deletes');
    } else need('content', 'the whole file text');
  })
  .transform((c): EditChange => (c.mode === 'create' ? { path: c.path, mode: 'create', content: c.content!, overwrite: c.overwrite === true } : { path: c.path, mode: 'replace', search: c.search!, replace: c.replace! }));

/** What the result carries for renderers (the live view): every written file, whole, before and after. */
export type FileDiff = { path: string; before: string | null; after: string };

export const applyCodeChangesTool = defineTool({
  name: 'apply_code_changes',
  description,
  parameters: z.object({
    changes: z
      .array(editChangeSchema)
      .min(1)
      .max(MAX_CHANGES)
      .describe('The changes, applied in order (a later change sees the earlier ones). All are validated before any file is written.'),
  }),
  async execute({ changes }, ctx) {
    // Resolve every path first: the engine keys files by their normalised relative path.
    const absByRel = new Map<string, string>();
    const normalised: EditChange[] = [];
    for (let i = 0; i < changes.length; i++) {
      const resolved = await resolveWorkspacePath(ctx.workspaceDir, changes[i].path);
      if (!resolved.ok) return toolError(`change ${i + 1} not applied, nothing was written: ${resolved.error}`);
      absByRel.set(resolved.rel, resolved.abs);
      normalised.push({ ...changes[i], path: resolved.rel });
    }
    const contents = new Map<string, string | null>();
    for (const [rel, abs] of absByRel) {
      contents.set(rel, await readFile(abs, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err))));
    }
    if (ctx.signal?.aborted) return toolError('cancelled before any file was written');

    const plan = planChanges(normalised, (rel) => contents.get(rel) ?? null);
    if (!plan.ok) return toolError(plan.message, { failedChange: plan.index, refusal: plan.refusal.kind });

    for (const file of plan.files) await writeFileAtomic(absByRel.get(file.path)!, file.after);

    const patches = plan.files.map((f) =>
      createTwoFilesPatch(f.before === null ? '/dev/null' : `a/${f.path}`, `b/${f.path}`, f.before ?? '', f.after, '', '', { context: 3 }),
    );
    let diff = patches.join('\n');
    if (diff.length > MAX_DIFF_CHARS) diff = `${diff.slice(0, MAX_DIFF_CHARS)}\n… (diff cut at ${MAX_DIFF_CHARS} characters; the files were written in full)`;
    const summary = plan.changes
      .map((c) => `- ${c.path}: ${c.mode === 'create' ? 'created' : `replaced at line ${c.line}${c.level && c.level !== 'exact' ? ` (loose match: ${c.level})` : ''}`}`)
      .join('\n');
    const diffs: FileDiff[] = plan.files.map((f) => ({ path: f.path, before: f.before, after: f.after }));
    return {
      output: `Applied ${plan.changes.length} change(s) to ${plan.files.length} file(s):\n${summary}\n\n${diff}`,
      meta: { files: plan.files.map((f) => f.path), changes: plan.changes, diffs },
    };
  },
});
