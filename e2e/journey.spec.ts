import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

/**
 * The whole journey in a real browser: account → organisation → project → a vague spec blocked,
 * a complete one accepted → plan preview → a run against the fake LLM server → the live stream
 * shows the agents' tool calls → the pull request with its verification report.
 */
const VAGUE = '# Make it better\n\n## What to build\nMake the app faster and more user-friendly, etc.\n';
const GOOD = fs.readFileSync(path.join(process.cwd(), 'test', 'fixtures', 'specs', 'good-spec.md'), 'utf8');
const SHOTS = path.join(process.cwd(), 'e2e', 'artifacts');

function fixtureRepo(): string {
  const dir = fs.mkdtempSync(path.join(process.env.E2E_REPOS_DIR ?? os.tmpdir(), 'ns-e2e-repo-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'greeter', type: 'module', scripts: { test: 'node --test' } }, null, 2));
  fs.writeFileSync(path.join(dir, 'src', 'index.js'), 'export const version = 1;\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.com', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'initial');
  return dir;
}

async function setSpec(page: Page, markdown: string) {
  // The editor marks itself ready once mounted (its change listener is attached with it).
  await expect(page.locator('[data-editor-ready="true"]')).toBeVisible();
  // Monaco loads its module before the editor creates its model: wait for the model itself.
  await page.waitForFunction(() => {
    const w = window as unknown as { monaco?: { editor?: { getModels(): unknown[] } } };
    return (w.monaco?.editor?.getModels().length ?? 0) > 0;
  });
  await page.evaluate((md) => {
    const w = window as unknown as { monaco: { editor: { getModels(): Array<{ setValue(v: string): void }> } } };
    w.monaco.editor.getModels()[0].setValue(md);
  }, markdown);
}

test('from a new account to a reviewed pull request', async ({ page }) => {
  test.setTimeout(300_000);
  const repo = fixtureRepo();
  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Email').fill(`grace-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('cobol-forever');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill('Compilers Inc');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('greeter');
  await page.getByLabel('Repository').fill(repo);
  await page.getByRole('button', { name: 'Create project' }).click();
  // A new project opens at once.
  await expect(page.getByRole('heading', { level: 1, name: 'greeter' })).toBeVisible();

  // A vague spec cannot be submitted; the score and the reason say why.
  await page.getByRole('link', { name: 'New spec' }).click();
  await page.getByLabel('Spec title').fill('Greeting');
  await setSpec(page, VAGUE);
  const score = page.getByRole('status', { name: 'Completeness score' });
  await expect(score).toHaveText(/^\d+\/100$/);
  const vagueScore = Number((await score.textContent())!.split('/')[0]);
  expect(vagueScore).toBeLessThan(70);
  await expect(page.getByRole('button', { name: 'Submit for planning' })).toBeDisabled();
  await expect(page.getByText(/this organization needs 70 to plan a spec/)).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'journey-1-vague-spec.png'), fullPage: true });

  // A complete spec is accepted.
  await setSpec(page, GOOD);
  await expect.poll(async () => Number((await score.textContent())!.split('/')[0])).toBeGreaterThanOrEqual(70);
  await page.getByRole('button', { name: 'Submit for planning' }).click();

  // Plan with the (fake) planner agent, then the preview before spending.
  // One title: the spec's first # heading is its title.
  await expect(page.getByRole('heading', { name: /^Plan · Password reset by email/ })).toBeVisible();
  await page.getByRole('button', { name: 'Plan with agents' }).click();
  await expect(page.getByRole('button', { name: 'Start run' })).toBeVisible({ timeout: 90_000 });
  await expect(page.getByRole('img', { name: /Plan: 1 wave, 1 task, 0 predicted conflicts/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Forecast' })).toContainText('T1');
  await page.screenshot({ path: path.join(SHOTS, 'journey-2-plan-preview.png'), fullPage: true });
  await page.getByRole('button', { name: 'Start run' }).click();

  // The live stream shows the agents at work, then the run succeeds.
  const stream = page.getByRole('list', { name: 'Agent stream' });
  await expect(stream.getByRole('listitem', { name: 'Tool call apply_code_changes' })).toBeVisible({ timeout: 120_000 });
  await expect(stream.getByRole('listitem', { name: 'Tool call run_command' }).first()).toBeVisible();
  await expect(page.getByRole('status', { name: 'Run status' })).toHaveText('succeeded', { timeout: 120_000 });
  await expect(stream.getByRole('listitem', { name: 'Reviewer verdict: approved' })).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'journey-3-run.png'), fullPage: true });

  // The pull request with its verification report and diff.
  await page.getByRole('list', { name: 'Pull requests of this run' }).getByRole('link').first().click();
  await expect(page.getByRole('heading', { name: 'Add a greet function', exact: true })).toBeVisible();
  const report = page.getByRole('region', { name: 'Verification report' });
  await expect(report).toContainText('Status: approved');
  await expect(page.getByRole('region', { name: 'Diff of src/greet.js' })).toBeVisible();
  await expect(page.getByText('The web tester took no screenshots for this pull request.')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'journey-4-pull-request.png'), fullPage: true });

  // Each criterion's evidence links to the recorded command: the run page's Replay opens at its output.
  const evidence = report.getByRole('link', { name: 'node --test → exit 0' }).first();
  await expect(evidence).toHaveAttribute('href', /\/runs\/[0-9a-f-]{36}\?task=[0-9a-f-]{36}&record=\d+#recording$/);
  await evidence.click();
  const player = page.getByLabel('Replay player');
  // Opened at QA's run of the tests: the last record shown.
  const command = player.getByRole('listitem', { name: 'Command node --test' }).last();
  await expect(command).toContainText('exit 0');
  await expect(command.getByLabel('Command output')).toContainText('# pass 1');
  await player.getByRole('button', { name: 'Back to the start' }).click();
  await expect(player.getByRole('listitem', { name: 'Command node --test' })).toHaveCount(0);
  await player.getByRole('button', { name: 'To the end' }).click();
  await expect(player.getByRole('listitem', { name: 'Model call 1' })).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'journey-4b-replay.png'), fullPage: true });
  await page.goBack();

  // The dashboard counts the run: one run, all succeeded, tokens spent, nothing failing.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  const stat = (label: string) => page.getByText(label, { exact: true }).locator('xpath=following-sibling::dd');
  await expect(stat('Runs (30 days)')).toHaveText('1');
  await expect(stat('Success rate')).toHaveText('100%');
  await expect(stat('Tokens')).not.toHaveText('0');
  await expect(page.getByRole('img', { name: 'Runs per day, succeeded and failed' })).toBeVisible();
  await expect(page.getByText('No failing tasks.')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'journey-5-dashboard.png'), fullPage: true });

  // The user's checkout was never touched.
  expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('');
});
