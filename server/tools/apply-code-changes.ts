import { readFile } from 'node:fs/promises';
import { createTwoFilesPatch } from 'diff';
import { planChanges } from '../edit/apply-changes';
import { writeFileAtomic } from '../edit/atomic-write';
import { toolError, type ToolDefinition } from './types';
import { resolveWorkspacePath } from './workspace-path';

/** Diff text returned to the model is cut here; the files are written in full regardless. */
const MAX_DIFF_CHARS = 20_000;
/** More changes than this in one call are refused (a runaway generation, not an edit). */
const MAX_CHANGES = 50;

export const description = `Edit files in the workspace with search/replace blocks, or create new files.

Each change is either
- {"path", "mode": "replace", "search", "replace"}: "search" is a block of consecutive lines copied from the file (include 2-3 unchanged lines around the edit so it matches one place); it is replaced by "replace". An empty "replace" deletes the block.
- {"path", "mode": "create", "content"}: writes a new file; refused if the file exists unless "overwrite": true.

Matching tolerates small slips (line endings, trailing spaces, indentation, line-number prefixes copied from read_file, blank lines, "..." standing for unchanged lines kept in both search and replace, one slightly misremembered line), and the file keeps its own line endings and indentation style. It never guesses: if the search matches several places or none, nothing is written and the error says why (with the closest region, numbered, when nothing matched).
All changes of one call succeed together or none is written. The result shows the unified diff that was applied.`;

type Args = { changes?: unknown };

export const applyCodeChangesTool: ToolDefinition<Args> = {
  name: 'apply_code_changes',
  description,
  parameters: {
    type: 'object',
    properties: {
      changes: {
        type: 'array',
        description: 'The changes, applied in order (a later change sees the earlier ones). All are validated before any file is written.',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            path: { type: 'string', description: 'File path relative to the workspace root, e.g. "src/app.ts".' },
            mode: { type: 'string', enum: ['replace', 'create'], description: '"replace" edits an existing file; "create" writes a new one.' },
            search: { type: 'string', description: 'replace mode: the exact current lines to find, with a few unchanged lines of context so they match one place.' },
            replace: { type: 'string', description: 'replace mode: the lines to put in their place ("" deletes them).' },
            content: { type: 'string', description: 'create mode: the whole content of the new file.' },
            overwrite: { type: 'boolean', description: 'create mode: set true to replace an existing file entirely (default false).' },
          },
          required: ['path', 'mode'],
        },
      },
    },
    required: ['changes'],
  },
  async execute(args, ctx) {
    const changes = args?.changes;
    if (!Array.isArray(changes) || changes.length === 0) return toolError('"changes" must be a non-empty array of {path, mode, …} objects');
    if (changes.length > MAX_CHANGES) return toolError(`too many changes in one call (${changes.length}; at most ${MAX_CHANGES}); split them`);

    // Resolve every path first: the engine keys files by their normalised relative path.
    const absByRel = new Map<string, string>();
    const normalised: unknown[] = [];
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i] as { path?: unknown } | null;
      const resolved = await resolveWorkspacePath(ctx.workspaceDir, change?.path);
      if (!resolved.ok) return toolError(`change ${i + 1} not applied, nothing was written: ${resolved.error}`);
      absByRel.set(resolved.rel, resolved.abs);
      normalised.push({ ...(change as object), path: resolved.rel });
    }
    const contents = new Map<string, string | null>();
    for (const [rel, abs] of absByRel) {
      contents.set(rel, await readFile(abs, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err))));
    }
    if (ctx.signal?.aborted) return toolError('cancelled before any file was written');

    const plan = planChanges(normalised, (rel) => contents.get(rel) ?? null);
    if (!plan.ok) return toolError(plan.message, { failedChange: plan.index, refusal: plan.refusal.kind });

    for (const file of plan.files) await writeFileAtomic(absByRel.get(file.path)!, file.after);

    const diffs = plan.files.map((f) =>
      createTwoFilesPatch(f.before === null ? '/dev/null' : `a/${f.path}`, `b/${f.path}`, f.before ?? '', f.after, '', '', { context: 3 }),
    );
    let diff = diffs.join('\n');
    if (diff.length > MAX_DIFF_CHARS) diff = `${diff.slice(0, MAX_DIFF_CHARS)}\n… (diff cut at ${MAX_DIFF_CHARS} characters; the files were written in full)`;
    const summary = plan.changes
      .map((c) => `- ${c.path}: ${c.mode === 'create' ? 'created' : `replaced at line ${c.line}${c.level && c.level !== 'exact' ? ` (loose match: ${c.level})` : ''}`}`)
      .join('\n');
    return {
      output: `Applied ${plan.changes.length} change(s) to ${plan.files.length} file(s):\n${summary}\n\n${diff}`,
      meta: { files: plan.files.map((f) => f.path), changes: plan.changes },
    };
  },
};
