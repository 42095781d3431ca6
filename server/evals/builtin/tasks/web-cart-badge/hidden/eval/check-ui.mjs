// Drives the shop page in a headless browser inside the sandbox: starts the app's own server,
// opens the check page (which clicks the Add buttons and reads the badge and total) and reads
// the verdict it wrote into the page.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PORT = 4173 + Math.floor(Math.random() * 2000);
const BROWSERS = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const browser = BROWSERS.find((b) => existsSync(b));
if (!browser) {
  console.log(`FAIL: no headless browser in the sandbox (looked for ${BROWSERS.join(', ')})`);
  process.exit(1);
}

const server = spawn(process.execPath, ['server.js'], { env: { ...process.env, PORT: String(PORT) }, stdio: ['ignore', 'pipe', 'inherit'] });
const stop = () => server.kill('SIGKILL');
process.on('exit', stop);

async function answering(deadline) {
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${PORT}/`);
      if (r.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

if (!(await answering(Date.now() + 15_000))) {
  console.log(`FAIL: npm start did not answer on port ${PORT} within 15 s`);
  process.exit(1);
}
const dump = spawnSync(
  browser,
  ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--virtual-time-budget=5000', '--dump-dom', `http://127.0.0.1:${PORT}/eval-check.html`],
  { encoding: 'utf8', timeout: 60_000 },
);
const result = /<pre id="result">([\s\S]*?)<\/pre>/.exec(dump.stdout ?? '')?.[1]?.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');
if (!result) {
  console.log(`FAIL: the check page did not render (browser exit ${dump.status})\n${(dump.stderr ?? '').split('\n').slice(-10).join('\n')}`);
  process.exit(1);
}
console.log(result);
process.exit(result.startsWith('RESULT: PASS') ? 0 : 1);
