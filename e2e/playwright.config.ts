import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

/** The product as a newcomer gets it: `nightshift start` on a fresh data directory, Debian's chromium. */
const PORT = Number(process.env.E2E_PORT ?? 3210);
const LLM_PORT = Number(process.env.E2E_LLM_PORT ?? 3299);
const GITHUB_PORT = Number(process.env.E2E_GITHUB_PORT ?? 3297);
const dataDir = process.env.E2E_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-e2e-'));
process.env.E2E_DATA_DIR = dataDir;
// Where the tests keep their fixture repositories: the server grants local paths only there
// (the journey's organisation is not the instance's first, which alone may use any local path).
const reposDir = process.env.E2E_REPOS_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-e2e-repos-'));
process.env.E2E_REPOS_DIR = reposDir;
// Projects are checked when added, and this machine has no network: the remote URLs the specs use
// answer from a local bare repository (git's url.<local>.insteadOf through GIT_CONFIG_*; the host
// exempt from the outbound policy's name lookup).
const REMOTES = ['https://example.com/engines/notes.git'];
function standInRemote(url: string): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-e2e-remote-work-'));
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-e2e-remote-'));
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.com', ...args], { cwd, stdio: 'pipe' });
  git(work, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(work, 'README.md'), `# ${url}\n`);
  git(work, 'add', '.');
  git(work, 'commit', '-qm', 'initial');
  git(bare, 'clone', '-q', '--bare', work, bare);
  return bare;
}
const remoteEnv: Record<string, string> = { GIT_CONFIG_COUNT: String(REMOTES.length), NIGHTSHIFT_OUTBOUND_ALLOW: [...new Set(REMOTES.map((u) => new URL(u).hostname))].join(',') };
REMOTES.forEach((url, i) => {
  remoteEnv[`GIT_CONFIG_KEY_${i}`] = `url.${standInRemote(url)}.insteadOf`;
  remoteEnv[`GIT_CONFIG_VALUE_${i}`] = url;
});

export default defineConfig({
  testDir: '.',
  outputDir: './artifacts/results',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: [
    {
      // The model: the project's fake LLM server answering as planner, architect, developer, QA, reviewer.
      command: `npx tsx e2e/support/fake-agents.ts --port ${LLM_PORT} --api-key sk-e2e-fake-key`,
      cwd: path.resolve(path.dirname(new URL(import.meta.url).pathname), '..'),
      port: LLM_PORT,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
    },
    {
      // github.com's OAuth flow and user API, for "Sign in with GitHub".
      command: `npx tsx e2e/support/fake-github.ts --port ${GITHUB_PORT} --client-id e2e-github-client --client-secret e2e-github-secret`,
      cwd: path.resolve(path.dirname(new URL(import.meta.url).pathname), '..'),
      port: GITHUB_PORT,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
    },
    {
    command: 'node bin/nightshift.js start',
    cwd: path.resolve(path.dirname(new URL(import.meta.url).pathname), '..'),
    url: `http://localhost:${PORT}/api/health`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(PORT),
      NIGHTSHIFT_DATA_DIR: dataDir,
      NIGHTSHIFT_LOCAL_REPOS: reposDir,
      NEXTAUTH_URL: `http://localhost:${PORT}`,
      OPENAI_BASE_URL: `http://127.0.0.1:${LLM_PORT}/v1`,
      OPENAI_API_KEY: 'sk-e2e-fake-key',
      NIGHTSHIFT_DEFAULT_MODEL: 'openai:fake',
      // Loopback is the proxy: a spec may say which address it signs up from (X-Forwarded-For), so
      // the specs together stay under the 10 sign-ups per address and hour. Without the header a
      // request counts as 127.0.0.1, as before.
      NIGHTSHIFT_TRUSTED_PROXIES: '127.0.0.1,::1',
      ...remoteEnv,
      SANDBOX_DRIVER: 'bwrap',
      GITHUB_ID: 'e2e-github-client',
      GITHUB_SECRET: 'e2e-github-secret',
      NIGHTSHIFT_GITHUB_OAUTH_URL: `http://127.0.0.1:${GITHUB_PORT}`,
      NIGHTSHIFT_GITHUB_OAUTH_API_URL: `http://127.0.0.1:${GITHUB_PORT}/api`,
    },
    },
  ],
});
