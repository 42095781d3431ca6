import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startFakeLlm, type FakeLlm } from '../test/fake-llm/server';
import { GUIDANCE, rsiScript, rsiSuite, type ScriptedProposal } from '../test/support/rsi-fixtures';

/**
 * The Improvements page in a real browser: two eval attempts fail the same way (CLI, on the
 * server's database), one self-improvement cycle from the command line proposes a prompt patch
 * whose calibration passes, and an admin sees the observation with its runs, the proposal with its
 * calibration figures, adopts it, and reverts it; the settings save, and "Run now" queues a report
 * the server's worker finishes.
 */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [path.join(process.cwd(), 'bin', 'nightshift.js'), ...args], {
      env: { ...process.env, NIGHTSHIFT_DATA_DIR: process.env.E2E_DATA_DIR, SANDBOX_DRIVER: 'bwrap', OPENAI_API_KEY: 'sk-e2e-rsi' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

test('observations, a calibrated proposal adopted and reverted, settings, run now', async ({ page }) => {
  test.setTimeout(420_000);
  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(`ada-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('analytical-engine-1843');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill(`Improving ${Date.now()}`);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page).toHaveURL(/\/o\/[^/]+\//);
  const slug = new URL(page.url()).pathname.split('/')[2];

  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Improvements' }).click();
  await expect(page.getByRole('heading', { name: 'Improvements', level: 1 })).toBeVisible();

  // ---- two failing attempts, then one cycle from the command line (left for approval) ----
  const suite = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-e2e-rsi-'));
  rsiSuite(suite);
  const plan: ScriptedProposal[] = [
    {
      observation: 'apply_code_changes returned an error',
      args: {
        kind: 'prompt',
        target: 'roles/developer.md',
        title: 'Re-read a file before editing it',
        rationale: 'The developer edits from memory and the search text is not found.',
        edits: [{ search: 'Work loop:\n', replace: `Work loop:\n0. ${GUIDANCE}\n` }],
      },
    },
  ];
  let llm: FakeLlm | null = await startFakeLlm({ script: rsiScript(() => plan) });
  try {
    const model = ['--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`];
    const ev = await cli(['eval', 'run', '--suite', suite, ...model, '--repeat', '2', '--no-setup', '--org', slug]);
    expect(ev.code, ev.stderr).toBe(0);
    const cycle = await cli(['rsi', 'run', '--once', ...model, '--suite', suite, '--no-setup', '--org', slug, '--json']);
    expect(cycle.code, cycle.stderr).toBe(0);
    const out = JSON.parse(cycle.stdout.trim().split('\n').at(-1)!);
    expect(out.proposals.map((p: { status: string }) => p.status)).toEqual(['awaiting-approval']);
  } finally {
    await llm?.close();
    llm = null;
  }

  await page.reload();
  const reports = page.getByRole('table', { name: 'Reports' });
  // (The server's schedule may add its own report of the organisation meanwhile: rows are picked by who started them.)
  const cliReport = reports.getByRole('row').filter({ has: page.getByRole('cell', { name: 'cli', exact: true }) });
  await expect(cliReport).toHaveCount(1);
  await expect(cliReport).toContainText('finished');
  const observations = page.getByRole('list', { name: 'Observations', exact: true });
  const toolError = observations.getByRole('listitem').filter({ hasText: 'apply_code_changes returned an error' });
  await expect(toolError).toContainText('in 2 runs, 2 failed');
  await expect(toolError.getByRole('link')).toHaveCount(2);

  const proposal = page.getByRole('article', { name: 'Proposal: Re-read a file before editing it' });
  await expect(proposal).toContainText('awaiting-approval');
  await expect(proposal.getByLabel('Calibration')).toContainText('pass rate 50% (1/2) without → 100% (2/2) with; 2 observed failing runs pass with it');
  await expect(proposal.getByRole('listitem').first()).toContainText('apply_code_changes returned an error');
  await proposal.getByText('The change (1 edit)').click();
  await expect(proposal.getByText(GUIDANCE)).toBeVisible();
  await page.screenshot({ path: 'e2e/artifacts/improvements.png', fullPage: true });

  // ---- adopt, then revert ----
  await proposal.getByRole('button', { name: 'Adopt' }).click();
  const adopted = page.getByRole('region', { name: 'Adopted changes' }).getByRole('article', { name: 'Proposal: Re-read a file before editing it' });
  await expect(adopted).toContainText('adopted');
  await adopted.getByRole('button', { name: 'Revert' }).click();
  await expect(adopted).toContainText('reverted');
  await expect(adopted.getByRole('button', { name: 'Revert' })).toHaveCount(0);

  // ---- settings: a bad interval is refused in words, a good one saved ----
  const settings = page.getByRole('form', { name: 'Self-improvement settings' });
  await settings.getByLabel('Every (minutes)').fill('2');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await expect(settings.getByRole('alert')).toContainText('the interval is at least 5 minutes');
  await settings.getByLabel('Every (minutes)').fill('30');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await expect(settings.getByRole('status')).toHaveText('Saved.');
  await page.reload();
  await expect(page.getByRole('form', { name: 'Self-improvement settings' }).getByLabel('Every (minutes)')).toHaveValue('30');

  // ---- Run now: queued, then finished by the server's worker (no model: observations only) ----
  await page.getByRole('button', { name: 'Run now' }).click();
  const manual = reports.getByRole('row').filter({ has: page.getByRole('cell', { name: 'manual', exact: true }) });
  await expect(manual).toHaveCount(1);
  await expect(manual).toContainText('finished', { timeout: 60_000 });
  await expect(manual).toContainText('no reporter model configured: observations only');
});
