import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from './define-tool';
import { READ_PAGE_LINES, readFileTool } from './read-file';

let ws: string;
const ctx = () => ({ workspaceDir: ws });

beforeAll(async () => {
  ws = await mkdtemp(path.join(tmpdir(), 'ns-read-'));
  await writeFile(path.join(ws, 'small.txt'), 'one\r\ntwo\nthree\n');
  await writeFile(path.join(ws, 'big.txt'), Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
  await writeFile(path.join(ws, 'bin.dat'), Buffer.from([0, 1, 2, 3]));
  await writeFile(path.join(ws, 'empty.txt'), '');
});
afterAll(() => rm(ws, { recursive: true, force: true }));

describe('read_file', () => {
  it('numbers lines like cat -n', async () => {
    const res = await runTool(readFileTool, { path: 'small.txt' }, ctx());
    expect(res.isError).toBeFalsy();
    expect(res.output).toBe('     1\tone\n     2\ttwo\n     3\tthree');
  });

  it('pages large files with a note on how to continue', async () => {
    const first = await runTool(readFileTool, { path: 'big.txt' }, ctx());
    const lines = first.output.split('\n');
    expect(lines[0]).toBe('     1\tline 1');
    expect(lines[READ_PAGE_LINES - 1]).toBe(`${String(READ_PAGE_LINES).padStart(6)}\tline ${READ_PAGE_LINES}`);
    expect(first.output).toContain(`(lines 1-${READ_PAGE_LINES} of 1000)`);
    expect(first.output).toContain(`start_line=${READ_PAGE_LINES + 1}`);
    const tail = await runTool(readFileTool, { path: 'big.txt', start_line: 998 }, ctx());
    expect(tail.output).toBe('   998\tline 998\n   999\tline 999\n  1000\tline 1000\n(lines 998-1000 of 1000)');
  });

  it('reads a range', async () => {
    const res = await runTool(readFileTool, { path: 'big.txt', start_line: 10, end_line: 12 }, ctx());
    expect(res.output.split('\n').slice(0, 3)).toEqual(['    10\tline 10', '    11\tline 11', '    12\tline 12']);
  });

  it('explains errors: missing, directory, binary, bad range, outside', async () => {
    expect((await runTool(readFileTool, { path: 'nope.txt' }, ctx())).output).toMatch(/does not exist/);
    expect((await runTool(readFileTool, { path: '.' }, ctx())).output).toMatch(/is a directory/);
    expect((await runTool(readFileTool, { path: 'bin.dat' }, ctx())).output).toMatch(/binary/);
    expect((await runTool(readFileTool, { path: 'small.txt', start_line: 0 }, ctx())).isError).toBe(true);
    expect((await runTool(readFileTool, { path: '../x' }, ctx())).isError).toBe(true);
    expect((await runTool(readFileTool, { path: 'empty.txt' }, ctx())).output).toMatch(/is empty/);
  });
});
