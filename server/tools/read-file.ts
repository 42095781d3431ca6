import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod/v4';
import { defineTool, wholeNumber } from './define-tool';
import { toolError } from './types';
import { resolveWorkspacePath } from './workspace-path';

/** Lines shown per call when no range is given (or a range is too long). */
export const READ_PAGE_LINES = 400;
/** A longer line is cut, so one minified line cannot fill the context. */
export const READ_MAX_LINE_CHARS = 2_000;
/** Files larger than this are not read at all (logs, bundles, data). */
export const READ_MAX_FILE_BYTES = 5 * 1024 * 1024;

export const description = `Read a text file from the workspace. Lines come numbered ("   12\\tcode") so you can refer to them; the numbers are not part of the file — never copy them into an edit's search text.
Long files are returned a page at a time (${READ_PAGE_LINES} lines); the output says how to read the next page. Use start_line/end_line to read just the part you need.`;

export const readFileTool = defineTool({
  name: 'read_file',
  description,
  parameters: z.object({
    path: z.string().describe('File path relative to the workspace root.'),
    start_line: wholeNumber().min(1).optional().describe('First line to show (1-based, default 1).'),
    end_line: wholeNumber().min(1).optional().describe(`Last line to show, inclusive (default: ${READ_PAGE_LINES} lines after start_line).`),
  }),
  async execute(args, ctx) {
    const resolved = await resolveWorkspacePath(ctx.workspaceDir, args.path);
    if (!resolved.ok) return toolError(resolved.error);
    const info = await stat(resolved.abs).catch(() => null);
    if (!info) return toolError(`${resolved.rel} does not exist; use list_files to see what is there`);
    if (info.isDirectory()) return toolError(`${resolved.rel} is a directory; use list_files for directories`);
    if (info.size > READ_MAX_FILE_BYTES) return toolError(`${resolved.rel} is ${info.size} bytes, too large to read (limit ${READ_MAX_FILE_BYTES}); use search_code to find the part you need`);
    const buffer = await readFile(resolved.abs);
    if (buffer.subarray(0, 8000).includes(0)) return toolError(`${resolved.rel} looks binary; only text files can be read`);
    return { output: renderPage(resolved.rel, buffer.toString('utf8'), args.start_line ?? 1, args.end_line) };
  },
});

/** Numbered lines [start, end] of `text`, at most one page, with a note on what is left. */
export function renderPage(rel: string, text: string, start: number, end?: number): string {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const total = body === '' ? 0 : lines.length;
  if (total === 0) return `${rel} is empty.`;
  if (start > total) return `${rel} has ${total} lines; start_line ${start} is past the end.`;
  const last = Math.min(total, end ?? start + READ_PAGE_LINES - 1, start + READ_PAGE_LINES - 1);
  const shown: string[] = [];
  for (let i = start; i <= last; i++) {
    let line = lines[i - 1];
    if (line.length > READ_MAX_LINE_CHARS) line = `${line.slice(0, READ_MAX_LINE_CHARS)}… (line cut, ${line.length} characters)`;
    shown.push(`${String(i).padStart(6)}\t${line}`);
  }
  const notes: string[] = [];
  if (start > 1 || last < total) notes.push(`(lines ${start}-${last} of ${total})`);
  if (last < total) notes.push(`(more below: read_file with start_line=${last + 1})`);
  return shown.join('\n') + (notes.length ? `\n${notes.join(' ')}` : '');
}
