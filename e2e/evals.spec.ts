import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startFakeLlm, type FakeLlm } from '../test/fake-llm/server';
import { developerScript, twoTaskSuite } from '../test/support/eval-fixtures';

/**
 * The Evals page in a real browser: two CLI evals of a suite (the second with a task "solved"
 * wrongly) run on the server's own database and appear side by side — pass rate, cost, tokens and
 * duration per task, the chart, the regression flagged — and an eval of the built-in suite started
 * from the page is queued and shows its progress.
 */
function evalCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [path.join(process.cwd(), 'bin', 'nightshift.js'), 'eval', 'run', ...args], {
      env: { ...process.env, NIGHTSHIFT_DATA_DIR: process.env.E2E_DATA_DIR, SANDBOX_DRIVER: 'bwrap', OPENAI_API_KEY: 'sk-e2e-eval' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

test('compare two evals side by side, see the regression, start one from the page', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Email').fill(`grace-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('nanoseconds-in-a-wire');
  await page.getByRole('button', { name: 'Create account' }).click();
  const orgName = `Eval Lab ${Date.now()}`;
  await page.getByLabel('Organization name').fill(orgName);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page).toHaveURL(/\/o\/[^/]+\//);
  const slug = new URL(page.url()).pathname.split('/')[2];

  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Evals' }).click();
  await expect(page.getByRole('heading', { name: 'Evals' })).toBeVisible();
  await expect(page.getByText('No eval runs yet.')).toBeVisible();

  // ---- two evals from the command line, on the server's database ----
  const suite = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-e2e-suite-'));
  twoTaskSuite(suite);
  let llm: FakeLlm | null = null;
  try {
    for (const clampRight of [true, false]) {
      llm = await startFakeLlm({ script: developerScript({ clampRight }) });
      const r = await evalCli(['--suite', suite, '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`, '--org', slug]);
      expect(r.code, r.stderr).toBe(0);
      await llm.close();
      llm = null;
    }
  } finally {
    await llm?.close();
  }

  await page.reload();
  const runs = page.getByRole('table', { name: 'Eval runs' });
  await expect(runs.getByRole('row')).toHaveCount(3);
  const newest = runs.getByRole('row').nth(1);
  await expect(newest).toContainText('acceptance-two');
  await expect(newest).toContainText('openai:gpt-4o-mini');
  await expect(newest).toContainText('50% (1/2)');
  await expect(newest.getByRole('status')).toHaveText('Regressed: clamp');
  await expect(runs.getByRole('row').nth(2)).toContainText('100% (2/2)');
  await expect(runs.getByRole('row').nth(2)).toContainText('first run of the suite');

  // The two newest are compared by default: older on the left.
  const perTask = page.getByRole('table', { name: 'Results per task' });
  await expect(perTask.getByRole('row', { name: /^add/ })).toContainText('✓ passed');
  const clamp = perTask.getByRole('row', { name: /^clamp/ });
  await expect(clamp.getByRole('cell').nth(0)).toContainText('✓ passed');
  await expect(clamp.getByRole('cell').nth(1)).toContainText('✗ failed');
  await expect(clamp.getByRole('cell').nth(1)).toContainText('regressed');
  await expect(clamp.getByRole('cell').nth(1)).toContainText(/6 turns · \$0\.\d{4} · [\d,]+ tokens · [\d.]+ s · verify exit 1/);
  await expect(page.getByRole('img', { name: /Pass rate and cost of 2 eval runs: #1 openai:gpt-4o-mini · prompts [0-9a-f]{8} · agent 100%; #2 openai:gpt-4o-mini · prompts [0-9a-f]{8} · agent 50%/ })).toBeVisible();
  await expect(page.locator('.recharts-bar-rectangle').first()).toBeVisible();
  await page.screenshot({ path: 'e2e/artifacts/evals.png', fullPage: true });

  // A run links to the run page of that attempt.
  await clamp.getByRole('cell').nth(1).getByRole('link', { name: 'run' }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await page.goBack();

  // Unticking one leaves one column.
  await runs.getByRole('row').nth(2).getByRole('checkbox').uncheck();
  await expect(page.getByRole('img', { name: /Pass rate and cost of 1 eval runs/ })).toBeVisible();

  // ---- an eval of the built-in suite from the page: queued as a job, its progress shown ----
  await page.getByLabel('Model').fill('not a model');
  await page.getByRole('button', { name: /^Run 13 attempts$/ }).click();
  await expect(page.getByText('must be provider:model')).toBeVisible();
  await page.getByLabel('Model').fill('ollama:nowhere');
  await page.getByLabel('Repeat').fill('1');
  await page.getByRole('button', { name: 'Run 13 attempts' }).click();
  await expect(runs.getByRole('row')).toHaveCount(4);
  await expect(runs.getByRole('row').nth(1)).toContainText('nightshift-builtin');
  await expect(runs.getByRole('row').nth(1)).toContainText(/queued|running \d+\/13|finished|failed/);
});
