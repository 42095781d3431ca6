import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { WebTestSession } from './session';
import { browserTools } from './tools';
import { compareWithBaseline } from './visual';

const PAGE = `<!doctype html><html><head><title>Login</title></head><body>
<main><h1>Sign in</h1>
<form onsubmit="event.preventDefault(); document.getElementById('msg').textContent = document.getElementById('email').value.includes('@') ? 'Welcome ' + document.getElementById('email').value : 'Invalid email';">
<label for="email">Email</label><input id="email" name="email">
<button type="submit">Continue</button></form>
<p id="msg" role="status"></p></main></body></html>`;

let server: http.Server;
let baseUrl: string;
let dir: string;
let session: WebTestSession;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-webtest-'));
  session = new WebTestSession({ baseUrl, screenshotDir: dir });
});

afterAll(async () => {
  await session?.close();
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('web tester', () => {
  it('drives a page through its tools: snapshot refs, fill, click, assertions, screenshots', async () => {
    const tools = Object.fromEntries(browserTools(session).map((t) => [t.name, t]));
    const run = (name: string, args: Record<string, unknown>) => tools[name].execute(args, { workspaceDir: dir });
    expect((await run('browser_open', { url: '/' })).output).toMatch(/→ 200 "Login"/);
    const snap = (await run('browser_snapshot', {})).output;
    expect(snap).toContain('heading "Sign in"');
    const ref = /textbox "Email" \[ref=(e\d+)\]/.exec(snap)?.[1];
    expect(ref).toBeTruthy();
    await run('browser_fill', { ref, value: 'ada@example.com' });
    await run('browser_click', { role: 'button', name: 'Continue' });
    expect((await run('browser_eval', { expression: "document.getElementById('msg').textContent === 'Welcome ada@example.com'" })).output).toBe('PASS');
    expect((await run('browser_eval', { expression: "document.title === 'Nope'" })).output).toBe('FAIL');
    const shot = await run('browser_screenshot', { name: 'after login' });
    expect(shot.output).toMatch(/01-after-login\.png$/);
    expect(fs.existsSync(session.screenshots[0])).toBe(true);
    const missing = await run('browser_click', { role: 'button', name: 'Does not exist' });
    expect(missing.isError).toBe(true);
    const outside = await run('browser_open', { url: 'http://example.com/' });
    expect(outside).toMatchObject({ isError: true, output: expect.stringContaining('only the app under test') });
    expect(session.transcript).toEqual(expect.arrayContaining(['fill ref ' + ref + ' with "ada@example.com"', 'click button "Continue"']));
  });

  it('compares component screenshots with a baseline and writes a diff', () => {
    const img = (color: number) => {
      const png = new PNG({ width: 20, height: 20 });
      png.data.fill(color);
      return PNG.sync.write(png);
    };
    const baseline = path.join(dir, 'baselines', 'button.png');
    expect(compareWithBaseline(img(255), baseline, dir).status).toBe('baseline-created');
    expect(compareWithBaseline(img(255), baseline, dir)).toMatchObject({ status: 'match', diffPixels: 0 });
    const changed = compareWithBaseline(img(0), baseline, dir);
    expect(changed).toMatchObject({ status: 'changed', diffPixels: 400 });
    expect(fs.existsSync((changed as { diffImage: string }).diffImage)).toBe(true);
  });
});
