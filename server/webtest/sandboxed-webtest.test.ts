import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { SandboxedWebTestSession } from './sandboxed-session';
import { browserTools } from './tools';

/**
 * The web tester on an app started from a worktree inside the sandbox: the app and chromium run
 * in one bubblewrap sandbox (no network, only the worktree writable); the tools drive them.
 */
const APP = `import http from 'node:http';
const page = '<!doctype html><title>Todo</title><main><h1>Todo</h1><label for=t>Task</label><input id=t><button onclick="document.getElementById(\\'list\\').insertAdjacentHTML(\\'beforeend\\', \\'<li>\\' + document.getElementById(\\'t\\').value + \\'</li>\\')">Add</button><ul id=list aria-label=Tasks></ul></main>';
http.createServer((q, s) => { s.setHeader('content-type', 'text/html'); s.end(page); }).listen(4390, '127.0.0.1');
`;

let dir: string;
let shots: string;
let session: SandboxedWebTestSession;
const canRun = bwrapAvailable() && fs.existsSync('/usr/lib/chromium/chromium');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-sbweb-'));
  shots = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-sbshots-'));
  fs.writeFileSync(path.join(dir, 'server.mjs'), APP);
  session = new SandboxedWebTestSession({ workspaceDir: dir, appUrl: 'http://127.0.0.1:4390/', startCommand: 'node server.mjs', screenshotDir: shots });
});

afterAll(async () => {
  await session?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(shots, { recursive: true, force: true });
});

describe.skipIf(!canRun)('sandboxed web tester', () => {
  it('starts the app inside the sandbox and drives it through the browser tools', async () => {
    const tools = Object.fromEntries(browserTools(session).map((t) => [t.name, t]));
    const run = (name: string, args: Record<string, unknown>) => tools[name].execute(args, { workspaceDir: dir });
    expect((await run('browser_open', { url: '/' })).output).toMatch(/→ 200 "Todo"/);
    const snap = (await run('browser_snapshot', {})).output;
    const ref = /textbox "Task" \[ref=(e\d+)\]/.exec(snap)?.[1];
    expect(ref).toBeTruthy();
    await run('browser_fill', { ref, value: 'write tests' });
    await run('browser_click', { role: 'button', name: 'Add' });
    expect((await run('browser_eval', { expression: "document.querySelector('#list li')?.textContent === 'write tests'" })).output).toBe('PASS');
    const shot = await run('browser_screenshot', { name: 'added' });
    expect(fs.statSync(shot.output.replace(/^saved /, '')).size).toBeGreaterThan(1000);
    // The browser is in the sandbox: the host's network is out of reach, and so is any other origin.
    expect((await run('browser_open', { url: 'http://example.com/' })).isError).toBe(true);
    expect(session.transcript).toEqual(expect.arrayContaining(['click button "Add"']));
    // The worktree holds only what the app itself wrote: no screenshots or browser profile.
    expect(fs.readdirSync(dir)).toEqual(['server.mjs']);
  });
});
