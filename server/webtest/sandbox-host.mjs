// Runs INSIDE the task's sandbox (no network but its own loopback): starts the app under test from
// the worktree, launches chromium next to it, and answers browser commands as JSON lines on
// stdin/stdout for the web tester outside. Plain JavaScript: it is run by the sandbox's node.
//   node sandbox-host.mjs --modules DIR --url URL [--start CMD] [--chromium PATH]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { modules: { type: 'string' }, url: { type: 'string' }, start: { type: 'string' }, chromium: { type: 'string' } } });
const { chromium } = await import(`${values.modules}/playwright-core/index.mjs`);
const send = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const READY_TIMEOUT_MS = 60_000;
const ACTION_TIMEOUT_MS = 10_000;

let app = null;
if (values.start) {
  app = spawn('sh', ['-c', values.start], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  app.stderr.on('data', () => {});
}

async function waitForApp() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(values.url);
      await res.arrayBuffer();
      return;
    } catch {
      if (app && app.exitCode !== null) throw new Error(`the app exited with code ${app.exitCode} before answering at ${values.url}`);
      if (Date.now() > deadline) throw new Error(`the app did not answer at ${values.url} within ${READY_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

let browser;
let page;
try {
  await waitForApp();
  browser = await chromium.launch({
    executablePath: values.chromium ?? '/usr/lib/chromium/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  send({ ready: true });
} catch (err) {
  send({ ready: false, error: String(err?.message ?? err) });
  process.exit(1);
}

const locate = (t) => (t.ref ? page.locator(`aria-ref=${t.ref}`) : page.getByRole(t.role, { name: t.name, exact: t.exact }));

const ops = {
  async open({ url }) {
    const res = await page.goto(url, { waitUntil: 'load' });
    return { status: res?.status() ?? null, title: await page.title() };
  },
  snapshot: () => page.ariaSnapshot({ mode: 'ai' }),
  async click({ target }) {
    await locate(target).click();
    return { url: page.url() };
  },
  fill: ({ target, value }) => locate(target).fill(value),
  press: ({ key, target }) => (target ? locate(target).press(key) : page.keyboard.press(key)),
  evaluate: ({ expression }) => page.evaluate((expr) => new Function(`return (${expr});`)() === true, expression),
  async screenshot() {
    return (await page.screenshot({ fullPage: true })).toString('base64');
  },
};

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const { id, op, args } = JSON.parse(line);
  try {
    if (!ops[op]) throw new Error(`unknown operation ${op}`);
    send({ id, ok: true, result: (await ops[op](args ?? {})) ?? null });
  } catch (err) {
    send({ id, ok: false, error: String(err?.message ?? err).split('\n')[0] });
  }
}
await browser?.close().catch(() => {});
if (app) try { process.kill(-app.pid, 'SIGKILL'); } catch {}
process.exit(0);
